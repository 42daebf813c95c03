/// Reading small tensors (shapes, axes, scalars) into Swift arrays, whatever their dtype.
extension Tensor {
    /// The elements as `Int`, for integer and bool tensors (shape and index inputs).
    public func intValues() throws(TensorError) -> [Int] {
        switch dtype {
        case .int64: return scalars(as: Int64.self).map { Int($0) }
        case .int32: return scalars(as: Int32.self).map { Int($0) }
        case .int16: return scalars(as: Int16.self).map { Int($0) }
        case .int8: return scalars(as: Int8.self).map { Int($0) }
        case .uint8: return scalars(as: UInt8.self).map { Int($0) }
        case .uint16: return scalars(as: UInt16.self).map { Int($0) }
        case .uint32: return scalars(as: UInt32.self).map { Int($0) }
        case .uint64: return scalars(as: UInt64.self).map { Int(truncatingIfNeeded: $0) }
        case .bool: return scalars(as: Bool.self).map { $0 ? 1 : 0 }
        case .int4, .int2: return withUnsafeRawBytes { $0.map { Int(Int8(bitPattern: $0)) } }
        case .uint4, .uint2: return withUnsafeRawBytes { $0.map { Int($0) } }
        default: throw .unsupportedDType(dtype, "where integers are expected")
        }
    }

    /// The elements as `Double`, for any numeric or bool tensor.
    public func doubleValues() throws(TensorError) -> [Double] {
        switch dtype {
        case .float32: return scalars(as: Float.self).map { Double($0) }
        case .float64: return scalars(as: Double.self)
        case .float16: return scalars(as: Float16.self).map { Double($0) }
        case .bfloat16: return scalars(as: BFloat16.self).map { Double($0.floatValue) }
        case .uint64: return scalars(as: UInt64.self).map { Double($0) }
        case .string: throw .unsupportedDType(dtype, "where numbers are expected")
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1:
            return withUnsafeRawBytes { $0.map { Double(LowPrecision.decode($0, dtype)) } }
        default: return try intValues().map { Double($0) }
        }
    }
}
