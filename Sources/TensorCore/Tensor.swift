/// An n-dimensional array: a value type with copy-on-write storage, row-major (C order).
///
/// Kernels reach the elements through `withUnsafe…` accessors; the typed accessors check that the
/// requested Swift type matches ``dtype``. They are `@inlinable` so that a loop in the closure
/// compiles into the caller's module as a plain loop, not a call per element.
///
/// ```swift
/// var t = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
/// t.withUnsafeMutableBufferPointer(of: Float.self) { $0[0] = 10 }
/// ```
public struct Tensor: Sendable {
    public private(set) var dtype: DType
    public private(set) var shape: [Int]
    /// The bytes, possibly shared with other tensors (copy-on-write).
    @inlinable public var storage: TensorStorage { _storage }
    @usableFromInline var _storage: TensorStorage

    @inlinable
    public var rank: Int { shape.count }
    /// Number of elements (product of the shape; 1 for a scalar).
    @inlinable
    public var count: Int { shape.reduce(1, *) }
    @inlinable
    public var byteCount: Int { count * dtype.byteSize }

    /// A zero-filled tensor. Throws on negative or overflowing shapes and on `string`.
    public init(zeros dtype: DType, shape: [Int]) throws(TensorError) {
        self = try Tensor(dtype: dtype, shape: shape, zeroed: true)
    }

    /// A tensor whose bytes are unspecified, for kernels that write every element.
    public init(uninitialized dtype: DType, shape: [Int]) throws(TensorError) {
        self = try Tensor(dtype: dtype, shape: shape, zeroed: false)
    }

    private init(dtype: DType, shape: [Int], zeroed: Bool) throws(TensorError) {
        guard dtype != .string else { throw .unsupportedDType(.string, "in tensors") }
        let count = try Shape.elementCount(shape)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw .invalidShape(shape, reason: "byte count overflows") }
        // Shapes here may come from a file or an input: an allocation the system refuses is an
        // error, not an abort.
        guard let storage = TensorStorage(allocatingIfPossible: bytes, zeroed: zeroed) else {
            throw .invalidShape(shape, reason: "cannot allocate \(bytes) bytes for \(dtype)")
        }
        self.dtype = dtype
        self.shape = shape
        self._storage = storage
    }

    /// A tensor over existing storage (for example a memory-mapped initializer).
    public init(dtype: DType, shape: [Int], storage: TensorStorage) throws(TensorError) {
        guard dtype != .string else { throw .unsupportedDType(.string, "in tensors") }
        let count = try Shape.elementCount(shape)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw .invalidShape(shape, reason: "byte count overflows") }
        guard bytes <= storage.byteCount else {
            throw .byteCountMismatch(expected: bytes, got: storage.byteCount)
        }
        self.dtype = dtype
        self.shape = shape
        self._storage = storage
    }

    /// A tensor from Swift scalars; `scalars.count` must equal the shape's element count.
    public init<T: TensorElement>(shape: [Int], scalars: [T]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == scalars.count,
                     "shape \(shape) does not hold \(scalars.count) scalars")
        self.dtype = T.dtype
        self.shape = shape
        self._storage = TensorStorage(byteCount: scalars.count * MemoryLayout<T>.stride, zeroed: false)
        scalars.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// A rank-0 tensor.
    public init<T: TensorElement>(scalar: T) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A rank-1 tensor.
    public init<T: TensorElement>(_ scalars: [T]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    // MARK: - Access

    @inlinable
    public func withUnsafeRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.base, count: byteCount))
    }

    /// Gives writable bytes, copying the storage first when it is shared or borrowed.
    @inlinable
    public mutating func withUnsafeMutableRawBytes<R>(
        _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableRawBufferPointer(start: storage.base, count: byteCount))
    }

    @inlinable
    public func withUnsafeBufferPointer<T: TensorElement, R>(
        of type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "tensor of \(dtype) read as \(T.dtype)")
        let typed = storage.base.assumingMemoryBound(to: T.self)
        return try body(UnsafeBufferPointer(start: typed, count: count))
    }

    @inlinable
    public mutating func withUnsafeMutableBufferPointer<T: TensorElement, R>(
        of type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "tensor of \(dtype) written as \(T.dtype)")
        makeUnique()
        let typed = storage.base.assumingMemoryBound(to: T.self)
        return try body(UnsafeMutableBufferPointer(start: typed, count: count))
    }

    /// The elements as a Swift array.
    @inlinable
    public func scalars<T: TensorElement>(as type: T.Type) -> [T] {
        withUnsafeBufferPointer(of: T.self) { Array($0) }
    }

    /// The same elements under another shape with the same element count; shares storage.
    public func reshaped(_ newShape: [Int]) throws(TensorError) -> Tensor {
        let newCount = try Shape.elementCount(newShape)
        guard newCount == count else {
            throw .invalidShape(newShape, reason: "cannot reshape \(shape) (\(count) elements)")
        }
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// True when this tensor's storage is shared with no other tensor and is writable in place.
    @inlinable
    public mutating func isUniquelyOwned() -> Bool {
        isKnownUniquelyReferenced(&_storage) && storage.isOwned
    }

    @usableFromInline
    mutating func makeUnique() {
        if isKnownUniquelyReferenced(&_storage) && storage.isOwned { return }
        let fresh = TensorStorage(byteCount: byteCount, zeroed: false)
        if byteCount > 0 { fresh.base.copyMemory(from: storage.base, byteCount: byteCount) }
        _storage = fresh
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor<\(dtype)>\(shape)" }
}
