import TensorCore

/// Helpers shared by the misc family (sorting and selection, losses, quantization, signal
/// processing): float round trips through `Double`, element gathers by index, and typed dispatch
/// over ordered element types.
enum MiscSupport {
    /// The elements of a float (or integer) input as `Double`, with an error naming the input.
    static func doubles(_ tensor: Tensor, _ what: String) throws(OpError) -> [Double] {
        do { return try tensor.doubleValues() } catch { throw OpError("\(what): \(error)") }
    }

    /// A float input's elements as `Double`; other dtypes are refused.
    static func floats(_ tensor: Tensor, _ what: String) throws(OpError) -> [Double] {
        guard tensor.dtype.isFloatingPoint else {
            throw OpError("\(what) must be a float tensor, got \(tensor.dtype)")
        }
        return try doubles(tensor, what)
    }

    /// A tensor of `dtype` from `values` (floats round to nearest even; see ShapeSupport.tensor).
    static func tensor(_ values: [Double], _ dtype: DType, _ shape: [Int]) throws(OpError) -> Tensor {
        try ShapeSupport.tensor(values, dtype: dtype, shape: shape)
    }

    /// Output element k is `source`'s element `indices[k]`, under `shape` (which holds
    /// `indices.count` elements). Works on bytes, so any dtype.
    static func gather(_ source: Tensor, _ indices: [Int], shape: [Int]) throws(OpError) -> Tensor {
        var out = try ShapeSupport.allocate(source.dtype, shape)
        precondition(out.count == indices.count, "gather: shape does not hold the indices")
        let size = source.dtype.byteSize
        source.withUnsafeRawBytes { src in
            out.withUnsafeMutableRawBytes { dst in
                guard let from = src.baseAddress, let to = dst.baseAddress else { return }
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < source.count, "gather index out of range")
                    (to + k * size).copyMemory(from: from + i * size, byteCount: size)
                }
            }
        }
        return out
    }

    /// `a < b` with NaN above every number (numpy's sort order); a total order, as sorting needs.
    @inline(__always)
    static func less<T: Comparable>(_ a: T, _ b: T) -> Bool {
        let aNaN = a != a
        let bNaN = b != b  // only NaN differs from itself
        if aNaN || bNaN { return !aNaN && bNaN }
        return a < b
    }

    /// `a == b`, with NaN equal to NaN.
    @inline(__always)
    static func same<T: Comparable>(_ a: T, _ b: T) -> Bool {
        a == b || (a != a && b != b)
    }

    /// `shape` split around `axis`: (elements before, length of axis, elements after).
    static func around(_ shape: [Int], axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }
}

/// Code generic over an element type with a total order for sorting (TopK, Unique, ArgMax-like
/// selections). Float16 and bfloat16 are read as Float, which orders them the same way.
protocol OrderedBody {
    associatedtype Result
    func run<T: Comparable & Hashable>(_ keys: [T]) throws -> Result
}

extension OrderedBody {
    /// Calls ``run(_:)`` with the elements of `tensor` in a Swift type that orders them exactly.
    func dispatch(_ tensor: Tensor) throws -> Result {
        switch tensor.dtype {
        case .float32: try run(tensor.scalars(as: Float.self))
        case .float64: try run(tensor.scalars(as: Double.self))
        case .float16: try run(tensor.scalars(as: Float16.self))
        case .bfloat16: try run(tensor.scalars(as: BFloat16.self).map(\.floatValue))
        case .int8: try run(tensor.scalars(as: Int8.self))
        case .int16: try run(tensor.scalars(as: Int16.self))
        case .int32: try run(tensor.scalars(as: Int32.self))
        case .int64: try run(tensor.scalars(as: Int64.self))
        case .uint8: try run(tensor.scalars(as: UInt8.self))
        case .uint16: try run(tensor.scalars(as: UInt16.self))
        case .uint32: try run(tensor.scalars(as: UInt32.self))
        case .uint64: try run(tensor.scalars(as: UInt64.self))
        case .bool: try run(tensor.scalars(as: Bool.self).map { $0 ? 1 : 0 } as [UInt8])
        default: throw OpError("dtype \(tensor.dtype) is not supported")
        }
    }
}

/// Code generic over the float type a kernel computes in: Double for float64 inputs, Float for
/// float32, float16 and bfloat16 ones (converted before and rounded back after, as the
/// elementwise family does).
protocol FloatBody {
    associatedtype Result
    func run<T: BinaryFloatingPoint & TensorElement>(_ type: T.Type) throws -> Result
}

extension FloatBody {
    /// Calls ``run(_:)`` with Double for `.float64` and Float for the other float dtypes.
    func dispatch(_ dtype: DType, _ op: String) throws -> Result {
        switch dtype {
        case .float64: try run(Double.self)
        case .float32, .float16, .bfloat16: try run(Float.self)
        default: throw OpError("\(op) takes float tensors, got \(dtype)")
        }
    }
}

extension MiscSupport {
    /// The dtype a float kernel computes `dtype` in (see ``FloatBody``).
    static func computeType(_ dtype: DType) -> DType { dtype == .float64 ? .float64 : .float32 }

    /// `tensor`'s elements as `T` (Float or Double), converting from its float dtype.
    static func elements<T: TensorElement>(_ tensor: Tensor, as _: T.Type) throws(OpError) -> [T] {
        try MathSupport.cast(tensor, to: T.dtype).scalars(as: T.self)
    }

    /// A tensor of `dtype` from compute-type `values`.
    static func result<T: TensorElement>(_ values: [T], _ dtype: DType, _ shape: [Int]) throws(OpError)
        -> Tensor
    {
        try MathSupport.cast(Tensor(shape: shape, scalars: values), to: dtype)
    }
}
