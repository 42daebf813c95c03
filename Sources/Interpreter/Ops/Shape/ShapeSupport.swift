import GraphIR
import TensorCore

/// Helpers shared by the shape and data-movement ops: checked allocation, reading shape and
/// index inputs, axis normalisation and dtype conversions. Every failure is an ``OpError``
/// whose message names the values found and expected.
enum ShapeSupport {
    /// Outputs larger than this are refused: a shape read from a file (ConstantOfShape, Expand,
    /// Range, Tile) must fail with an error, not abort in the allocator.
    static let maxOutputBytes = 1 << 34

    /// A new tensor of `dtype` and `shape`, zero-filled when `zeroed`.
    static func allocate(_ dtype: DType, _ shape: [Int], zeroed: Bool = false) throws(OpError) -> Tensor {
        guard dtype != .string else { throw OpError("string tensors are not supported") }
        let count: Int
        do { count = try Shape.elementCount(shape) } catch {
            throw OpError("invalid output shape \(shape): \(error)")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes <= maxOutputBytes else {
            throw OpError("output shape \(shape) of \(dtype) exceeds the limit of \(maxOutputBytes) bytes")
        }
        do {
            return zeroed
                ? try Tensor(zeros: dtype, shape: shape) : try Tensor(uninitialized: dtype, shape: shape)
        } catch {
            throw OpError("cannot allocate \(dtype) tensor of shape \(shape): \(error)")
        }
    }

    /// `tensor` under `shape`, sharing its storage (no copy).
    static func reshaped(_ tensor: Tensor, _ shape: [Int]) throws(OpError) -> Tensor {
        do { return try tensor.reshaped(shape) } catch {
            throw OpError("cannot view input of shape \(tensor.shape) (\(tensor.count) elements) as \(shape)")
        }
    }

    /// The elements of an integer input (shapes, axes, indices, pads), as `Int`.
    static func ints(_ tensor: Tensor, _ what: String) throws(OpError) -> [Int] {
        guard tensor.dtype.isInteger else {
            throw OpError("\(what) must be an integer tensor, got \(tensor.dtype)")
        }
        do { return try tensor.intValues() } catch { throw OpError("\(what): \(error)") }
    }

    /// The single element of an integer scalar (or one-element) input.
    static func scalarInt(_ tensor: Tensor, _ what: String) throws(OpError) -> Int {
        let values = try ints(tensor, what)
        guard values.count == 1 else {
            throw OpError("\(what) must hold one element, got shape \(tensor.shape)")
        }
        return values[0]
    }

    /// `axis` in `[-rank, rank)` made non-negative.
    static func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws(OpError) -> Int {
        guard let normalized = Shape.normalizeAxis(axis, rank: rank) else {
            throw OpError(
                "\(what) \(axis) is out of range for rank \(rank) (expected \(-rank)...\(rank - 1))")
        }
        return normalized
    }

    /// Each axis normalised against `rank`; repeated axes are an error.
    static func axes(_ axes: [Int], rank: Int, _ what: String = "axes") throws(OpError) -> [Int] {
        var result: [Int] = []
        for a in axes {
            let normalized = try axis(a, rank: rank, what)
            guard !result.contains(normalized) else {
                throw OpError("\(what) \(axes) repeat axis \(normalized) for rank \(rank)")
            }
            result.append(normalized)
        }
        return result
    }

    /// The product of `dims`, checked for overflow.
    static func product(_ dims: some Sequence<Int>) throws(OpError) -> Int {
        var result = 1
        for d in dims {
            let (p, overflow) = result.multipliedReportingOverflow(by: d)
            guard !overflow else { throw OpError("element count of \(Array(dims)) overflows") }
            result = p
        }
        return result
    }

    /// A tensor of `dtype` holding `values`; integer dtypes saturate and take NaN as 0, bool is
    /// `value != 0`.
    static func tensor(_ values: [Double], dtype: DType, shape: [Int]) throws(OpError) -> Tensor {
        switch dtype {
        case .float32: return Tensor(shape: shape, scalars: values.map { Float($0) })
        case .float64: return Tensor(shape: shape, scalars: values)
        case .float16: return Tensor(shape: shape, scalars: values.map { Float16($0) })
        case .bfloat16: return Tensor(shape: shape, scalars: values.map { BFloat16(Float($0)) })
        case .int8: return Tensor(shape: shape, scalars: values.map { saturating($0) as Int8 })
        case .int16: return Tensor(shape: shape, scalars: values.map { saturating($0) as Int16 })
        case .int32: return Tensor(shape: shape, scalars: values.map { saturating($0) as Int32 })
        case .int64: return Tensor(shape: shape, scalars: values.map { saturating($0) as Int64 })
        case .uint8: return Tensor(shape: shape, scalars: values.map { saturating($0) as UInt8 })
        case .uint16: return Tensor(shape: shape, scalars: values.map { saturating($0) as UInt16 })
        case .uint32: return Tensor(shape: shape, scalars: values.map { saturating($0) as UInt32 })
        case .uint64: return Tensor(shape: shape, scalars: values.map { saturating($0) as UInt64 })
        case .bool: return Tensor(shape: shape, scalars: values.map { $0 != 0 })
        case .string: throw OpError("string tensors are not supported")
        default:
            do { return try Tensor(shape: shape, scalars: values).cast(to: dtype) } catch {
                throw OpError("cannot make a \(dtype) tensor: \(error)")
            }
        }
    }

    /// A tensor of `dtype` holding `values`, which must fit the dtype (Range, NonZero results).
    static func tensor(_ values: [Int], dtype: DType, shape: [Int]) throws(OpError) -> Tensor {
        switch dtype {
        case .int64: return Tensor(shape: shape, scalars: values.map { Int64($0) })
        case .int32: return Tensor(shape: shape, scalars: values.map { Int32(truncatingIfNeeded: $0) })
        case .int16: return Tensor(shape: shape, scalars: values.map { Int16(truncatingIfNeeded: $0) })
        case .int8: return Tensor(shape: shape, scalars: values.map { Int8(truncatingIfNeeded: $0) })
        case .uint8: return Tensor(shape: shape, scalars: values.map { UInt8(truncatingIfNeeded: $0) })
        case .uint16: return Tensor(shape: shape, scalars: values.map { UInt16(truncatingIfNeeded: $0) })
        case .uint32: return Tensor(shape: shape, scalars: values.map { UInt32(truncatingIfNeeded: $0) })
        case .uint64: return Tensor(shape: shape, scalars: values.map { UInt64(truncatingIfNeeded: $0) })
        default: return try tensor(values.map { Double($0) }, dtype: dtype, shape: shape)
        }
    }

    /// `value` converted toward zero and clamped to `T`'s range; NaN becomes 0.
    static func saturating<T: FixedWidthInteger>(_ value: Double) -> T {
        if value.isNaN { return 0 }
        if value >= Double(T.max) { return T.max }
        if value <= Double(T.min) { return T.min }
        return T(value)
    }
}
