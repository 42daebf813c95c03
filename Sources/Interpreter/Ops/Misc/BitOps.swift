import GraphIR
import TensorCore

// Bit operations on integer tensors, with NumPy broadcasting for the binary ones:
// https://onnx.ai/onnx/operators/onnx__BitShift.html, onnx__BitwiseAnd.html, onnx__BitwiseOr.html,
// onnx__BitwiseXor.html, onnx__BitwiseNot.html, onnx__BitCast.html

/// Code generic over the integer element types (bit ops, quantized arithmetic).
protocol IntegerBody {
    associatedtype Result
    func run<T: FixedWidthInteger & TensorElement>(_ type: T.Type) throws -> Result
}

extension IntegerBody {
    /// Calls ``run(_:)`` with the Swift type of `dtype`; other dtypes are refused, naming `op`.
    func dispatch(_ dtype: DType, _ op: String) throws -> Result {
        switch dtype {
        case .int8: try run(Int8.self)
        case .int16: try run(Int16.self)
        case .int32: try run(Int32.self)
        case .int64: try run(Int64.self)
        case .uint8: try run(UInt8.self)
        case .uint16: try run(UInt16.self)
        case .uint32: try run(UInt32.self)
        case .uint64: try run(UInt64.self)
        default: throw OpError("\(op) takes integer tensors, got \(dtype)")
        }
    }
}

/// BitShift: `X << Y` or `X >> Y` elementwise (`direction` LEFT or RIGHT). A shift by the bit
/// width or more gives 0 (or −1 for a negative signed value shifted right), not the C undefined
/// behaviour; a negative shift amount counts as out of range.
struct BitShift: Operator {
    let left: Bool

    init(_ context: OpContext) throws {
        let direction = try context.node.required("direction", context.node.string)
        guard direction == "LEFT" || direction == "RIGHT" else {
            throw OpError("direction must be LEFT or RIGHT, got '\(direction)'")
        }
        left = direction == "LEFT"
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let y = try inputs.required(1)
        guard x.dtype == y.dtype else {
            throw OpError("BitShift: input dtypes \(x.dtype) and \(y.dtype) differ")
        }
        return [try Body(x: x, y: y, left: left).dispatch(x.dtype, "BitShift")]
    }

    private struct Body: IntegerBody {
        let x, y: Tensor
        let left: Bool

        func run<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
            let left = self.left
            return try broadcastBinary("BitShift", x, y) { (a: T, b: T) -> T in
                guard b >= 0 && b < T.bitWidth else { return !left && a < 0 ? -1 : 0 }
                return left ? a << b : a >> b
            }
        }
    }
}

/// BitwiseAnd, BitwiseOr, BitwiseXor: one table row each.
struct BitwiseBinary: Operator {
    enum Kind: Sendable { case and, or, xor }
    let kind: Kind
    let name: String

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0)
        let b = try inputs.required(1)
        guard a.dtype == b.dtype else {
            throw OpError("\(name): input dtypes \(a.dtype) and \(b.dtype) differ")
        }
        return [try Body(a: a, b: b, kind: kind, name: name).dispatch(a.dtype, name)]
    }

    private struct Body: IntegerBody {
        let a, b: Tensor
        let kind: Kind
        let name: String

        func run<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
            switch kind {
            case .and: try broadcastBinary(name, a, b) { (x: T, y: T) in x & y }
            case .or: try broadcastBinary(name, a, b) { (x: T, y: T) in x | y }
            case .xor: try broadcastBinary(name, a, b) { (x: T, y: T) in x ^ y }
            }
        }
    }
}

/// BitwiseNot: `~X` elementwise.
struct BitwiseNot: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        return [try Body(x: x).dispatch(x.dtype, "BitwiseNot")]
    }

    private struct Body: IntegerBody {
        let x: Tensor
        func run<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
            try unaryMap("BitwiseNot", x) { (v: T) in ~v }
        }
    }
}

/// BitCast: the same bytes read as dtype `to`, which must have the element size of the input.
struct BitCast: Operator {
    let to: DType

    init(_ context: OpContext) throws {
        let code = try context.node.required("to", context.node.int)
        guard let to = Int32(exactly: code).flatMap(DType.init(rawValue:)), to != .string else {
            throw OpError("attribute 'to' = \(code) is not a supported dtype")
        }
        self.to = to
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.dtype.byteSize == to.byteSize else {
            throw OpError(
                "BitCast from \(x.dtype) to \(to): element sizes differ (\(x.dtype.byteSize) and \(to.byteSize) bytes)"
            )
        }
        do {
            return [try Tensor(dtype: to, shape: x.shape, storage: x.storage)]
        } catch {
            throw OpError("BitCast: \(error)")
        }
    }
}
