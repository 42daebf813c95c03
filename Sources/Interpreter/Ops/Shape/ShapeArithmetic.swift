import TensorCore

/// Element arithmetic for the few data-movement ops that compute (CumSum, the reductions of
/// ScatterND and ScatterElements). Integers wrap like ONNX Runtime's; bool adds as `or` and
/// multiplies as `and`. Method names carry a `shape` prefix so they cannot clash with other
/// families' protocols on the same standard types.
protocol ShapeArithmetic: TensorElement {
    static func shapeAdd(_ a: Self, _ b: Self) -> Self
    static func shapeMul(_ a: Self, _ b: Self) -> Self
    static func shapeMax(_ a: Self, _ b: Self) -> Self
    static func shapeMin(_ a: Self, _ b: Self) -> Self
    static var shapeZero: Self { get }
}

extension ShapeArithmetic where Self: FixedWidthInteger {
    static func shapeAdd(_ a: Self, _ b: Self) -> Self { a &+ b }
    static func shapeMul(_ a: Self, _ b: Self) -> Self { a &* b }
    static func shapeMax(_ a: Self, _ b: Self) -> Self { Swift.max(a, b) }
    static func shapeMin(_ a: Self, _ b: Self) -> Self { Swift.min(a, b) }
    static var shapeZero: Self { 0 }
}

extension ShapeArithmetic where Self: BinaryFloatingPoint {
    static func shapeAdd(_ a: Self, _ b: Self) -> Self { a + b }
    static func shapeMul(_ a: Self, _ b: Self) -> Self { a * b }
    static func shapeMax(_ a: Self, _ b: Self) -> Self { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    static func shapeMin(_ a: Self, _ b: Self) -> Self { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
    static var shapeZero: Self { 0 }
}

extension Float: ShapeArithmetic {}
extension Double: ShapeArithmetic {}
extension Float16: ShapeArithmetic {}
extension Int8: ShapeArithmetic {}
extension Int16: ShapeArithmetic {}
extension Int32: ShapeArithmetic {}
extension Int64: ShapeArithmetic {}
extension UInt8: ShapeArithmetic {}
extension UInt16: ShapeArithmetic {}
extension UInt32: ShapeArithmetic {}
extension UInt64: ShapeArithmetic {}

extension BFloat16: ShapeArithmetic {
    // Computed in float32 and rounded back, as bfloat16 kernels do.
    static func shapeAdd(_ a: Self, _ b: Self) -> Self { BFloat16(a.floatValue + b.floatValue) }
    static func shapeMul(_ a: Self, _ b: Self) -> Self { BFloat16(a.floatValue * b.floatValue) }
    static func shapeMax(_ a: Self, _ b: Self) -> Self {
        BFloat16(Float.shapeMax(a.floatValue, b.floatValue))
    }
    static func shapeMin(_ a: Self, _ b: Self) -> Self {
        BFloat16(Float.shapeMin(a.floatValue, b.floatValue))
    }
    static var shapeZero: Self { BFloat16(bitPattern: 0) }
}

extension Bool: ShapeArithmetic {
    static func shapeAdd(_ a: Self, _ b: Self) -> Self { a || b }
    static func shapeMul(_ a: Self, _ b: Self) -> Self { a && b }
    static func shapeMax(_ a: Self, _ b: Self) -> Self { a || b }
    static func shapeMin(_ a: Self, _ b: Self) -> Self { a && b }
    static var shapeZero: Self { false }
}

/// Code generic over the element type, run by ``ShapeArithmeticBody/dispatch(_:)`` with the
/// Swift type of a runtime dtype (Swift closures cannot be generic, so a protocol stands in).
protocol ShapeArithmeticBody {
    associatedtype Result
    func run<T: ShapeArithmetic>(_ type: T.Type) throws -> Result
}

extension ShapeArithmeticBody {
    /// Calls ``run(_:)`` with the Swift type of `dtype`.
    func dispatch(_ dtype: DType) throws -> Result {
        switch dtype {
        case .float32: try run(Float.self)
        case .float64: try run(Double.self)
        case .float16: try run(Float16.self)
        case .bfloat16: try run(BFloat16.self)
        case .int8: try run(Int8.self)
        case .int16: try run(Int16.self)
        case .int32: try run(Int32.self)
        case .int64: try run(Int64.self)
        case .uint8: try run(UInt8.self)
        case .uint16: try run(UInt16.self)
        case .uint32: try run(UInt32.self)
        case .uint64: try run(UInt64.self)
        case .bool: try run(Bool.self)
        case .string: throw OpError("string tensors are not supported")
        default: throw OpError("dtype \(dtype) is not supported here")
        }
    }
}
