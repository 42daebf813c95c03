import GraphIR
import TensorCore

/// QuantizeLinear and DequantizeLinear: `y = saturate(round(x / scale) + zero_point)` and
/// `y = (x − zero_point) · scale`.
///
/// https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html
/// https://onnx.ai/onnx/operators/onnx__DequantizeLinear.html
///
/// The scale (and zero point, of the quantized dtype) is per tensor (one element), per axis
/// (1-D along `axis`, default 1) or blocked (`block_size` > 0: the input's rank, with axis
/// `axis` of length ceil(n / block_size)). Quantized dtypes: int8/uint8, int16/uint16, the 4-
/// and 2-bit integers (rounding half to even, clamping to the type's range), float8 (rounded
/// with `saturate`, zero point ignored) and float4 E2M1 (zero point added, then rounded).
/// QuantizeLinear's output dtype is the zero point's, else `output_dtype`, else uint8;
/// DequantizeLinear's is the scale's, else `output_dtype`.
struct QuantizeLinear: Operator {
    let axis: Int
    let blockSize: Int
    let saturate: Bool
    let outputDType: DType?

    init(_ context: OpContext) throws {
        let node = context.node
        axis = try node.int("axis", default: 1)
        blockSize = try node.int("block_size", default: 0)
        saturate = try node.int("saturate", default: 1) != 0
        outputDType = try QuantizationSupport.dtype(node, "output_dtype")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let scale = try inputs.required(1)
        let zeroPoint = inputs.optional(2)
        let target = zeroPoint?.dtype ?? outputDType ?? .uint8
        if let outputDType, let zeroPoint, outputDType != zeroPoint.dtype {
            throw OpError("output_dtype \(outputDType) differs from the zero point's \(zeroPoint.dtype)")
        }
        guard let range = QuantizationSupport.integerRange(target) ?? (target.isLowPrecision ? (0, 0) : nil)
        else {
            throw OpError("\(target) is not a quantized dtype")
        }
        let layout = try QuantizationSupport.Layout(
            x: x.shape, scale: scale.shape, axis: axis, blockSize: blockSize)
        let values = try MiscSupport.floats(x, "x")
        // numpy divides in the input's precision (float32 unless float64).
        let single = x.dtype != .float64
        let scales = try MiscSupport.floats(scale, "scale")
        let zeros = try zeroPoint.map {
            try layout.check($0, "zero point")
            return try MiscSupport.doubles($0, "zero point")
        }
        var quotients = [Double](repeating: 0, count: values.count)
        for i in values.indices {
            let s = scales[layout.offset(i)]
            quotients[i] = single ? Double(Float(values[i]) / Float(s)) : values[i] / s
        }
        if QuantizationSupport.integerRange(target) != nil {
            let q = quotients.enumerated().map { i, v -> Double in
                let shifted = v.rounded(.toNearestOrEven) + (zeros?[layout.offset(i)] ?? 0)
                return min(max(shifted, Double(range.0)), Double(range.1))
            }
            return [try MiscSupport.tensor(q, target, x.shape)]
        }
        if target == .float4e2m1, let zeros {
            for i in quotients.indices { quotients[i] += zeros[layout.offset(i)] }
        }
        do {
            return [try Tensor(shape: x.shape, scalars: quotients).cast(to: target, saturate: saturate)]
        } catch {
            throw OpError("cannot quantize to \(target): \(error)")
        }
    }
}

struct DequantizeLinear: Operator {
    let axis: Int
    let blockSize: Int
    let outputDType: DType?

    init(_ context: OpContext) throws {
        let node = context.node
        axis = try node.int("axis", default: 1)
        blockSize = try node.int("block_size", default: 0)
        outputDType = try QuantizationSupport.dtype(node, "output_dtype")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let scale = try inputs.required(1)
        let layout = try QuantizationSupport.Layout(
            x: x.shape, scale: scale.shape, axis: axis, blockSize: blockSize)
        let values = try MiscSupport.doubles(x, "x")
        let scales = try MiscSupport.floats(scale, "scale")
        // Float8 zero points must be 0 and float4's is ignored, as in the reference.
        var zeros: [Double]?
        if let zeroPoint = inputs.optional(2), QuantizationSupport.integerRange(x.dtype) != nil {
            guard zeroPoint.dtype == x.dtype else {
                throw OpError("zero point dtype \(zeroPoint.dtype) differs from the input's \(x.dtype)")
            }
            try layout.check(zeroPoint, "zero point")
            zeros = try MiscSupport.doubles(zeroPoint, "zero point")
        }
        let y = values.indices.map { i in
            let k = layout.offset(i)
            return Double(Float(values[i] - (zeros?[k] ?? 0)) * Float(scales[k]))
        }
        return [try MiscSupport.tensor(y, outputDType ?? scale.dtype, x.shape)]
    }
}

/// DynamicQuantizeLinear: uint8 quantization with a scale and zero point chosen from the data
/// so that [min(x, 0), max(x, 0)] maps onto [0, 255].
///
/// https://onnx.ai/onnx/operators/onnx__DynamicQuantizeLinear.html
///
/// `x` float32 → `y` uint8 (x's shape), `y_scale` float32 scalar, `y_zero_point` uint8 scalar.
struct DynamicQuantizeLinear: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.dtype == .float32 else { throw OpError("x must be float32, got \(x.dtype)") }
        let values = x.scalars(as: Float.self)
        let high = max(0, values.max() ?? 0)
        let low = min(0, values.min() ?? 0)
        let scale = (high == low ? 1 : high - low) / 255
        let zeroPoint = min(255, max(0, 0 - low / scale)).rounded(.toNearestOrEven)
        let y = values.map { UInt8(min(255, max(0, ($0 / scale).rounded(.toNearestOrEven) + zeroPoint))) }
        return [Tensor(shape: x.shape, scalars: y), Tensor(scalar: scale), Tensor(scalar: UInt8(zeroPoint))]
    }
}

enum QuantizationSupport {
    /// The dtype named by an optional `TensorProto.DataType` attribute.
    static func dtype(_ node: Node, _ name: String) throws -> DType? {
        guard let code = try node.int(name), code != 0 else { return nil }
        guard let dtype = Int32(exactly: code).flatMap(DType.init(rawValue:)), dtype != .string else {
            throw OpError("attribute '\(name)' = \(code) is not a supported dtype")
        }
        return dtype
    }

    /// The representable range of an integer quantized dtype, nil for the others.
    static func integerRange(_ dtype: DType) -> (Int, Int)? {
        switch dtype {
        case .uint8: (0, 255)
        case .int8: (-128, 127)
        case .uint16: (0, 65535)
        case .int16: (-32768, 32767)
        case .uint4: (0, 15)
        case .int4: (-8, 7)
        case .uint2: (0, 3)
        case .int2: (-2, 1)
        default: nil
        }
    }

    /// Where each element of `x` finds its scale: per tensor, per axis or per block.
    struct Layout {
        /// The scale's shape seen at `x`'s rank (ones for per-tensor).
        let scaleShape: [Int]
        let xShape: [Int]
        let axis: Int
        let blockSize: Int
        private let scaleStrides: [Int]
        private let xStrides: [Int]

        init(x: [Int], scale: [Int], axis: Int, blockSize: Int) throws {
            xShape = x
            let count = scale.reduce(1, *)
            if count == 1 && blockSize <= 0 {
                self.axis = 0
                scaleShape = [Int](repeating: 1, count: x.count)
            } else {
                let a = try ShapeSupport.axis(axis, rank: x.count)
                self.axis = a
                if blockSize > 0 {
                    guard scale.count == x.count,
                        (0..<x.count).allSatisfy({
                            $0 == a ? scale[$0] == (x[$0] + blockSize - 1) / blockSize : scale[$0] == x[$0]
                        })
                    else {
                        throw OpError(
                            "blocked scale of shape \(scale) does not fit input \(x) with block_size \(blockSize) on axis \(a)"
                        )
                    }
                    scaleShape = scale
                } else {
                    guard scale.count == 1, scale[0] == x[a] else {
                        throw OpError("per-axis scale must be [\(x[a])] for axis \(a) of \(x), got \(scale)")
                    }
                    var shape = [Int](repeating: 1, count: x.count)
                    shape[a] = scale[0]
                    scaleShape = shape
                }
            }
            self.blockSize = max(blockSize, 1)
            scaleStrides = Shape.strides(scaleShape)
            xStrides = Shape.strides(x)
        }

        /// The scale element of flat input index `i`.
        func offset(_ i: Int) -> Int {
            var result = 0
            for a in 0..<xShape.count where scaleShape[a] != 1 {
                let coordinate = (i / xStrides[a]) % xShape[a]
                result += (a == axis ? coordinate / blockSize : coordinate) * scaleStrides[a]
            }
            return result
        }

        /// Throws unless `tensor` (a zero point) has as many elements as the scale.
        func check(_ tensor: Tensor, _ what: String) throws {
            guard tensor.count == scaleShape.reduce(1, *) else {
                throw OpError("\(what) of shape \(tensor.shape) does not match the scale's \(scaleShape)")
            }
        }
    }
}
