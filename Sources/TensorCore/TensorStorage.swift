#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes behind one or more ``Tensor`` values.
///
/// Either owned (allocated here, 64-byte aligned, freed on deinit) or borrowed from memory that
/// `owner` keeps alive, such as a memory-mapped model file. Borrowed storage is read-only: a
/// tensor that wants to write to it copies first.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int
    /// Keeps borrowed memory alive; nil when this storage owns its allocation.
    private let owner: AnyObject?
    /// Owned memory from `posix_memalign` (``init(allocatingIfPossible:zeroed:)``), freed by `free`.
    private let fromMalloc: Bool

    public var isOwned: Bool { owner == nil }

    /// Allocates `byteCount` bytes, zero-filled when `zeroed`.
    public init(byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0)
        self.byteCount = byteCount
        self.base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        if zeroed { base.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1)) }
        self.owner = nil
        self.fromMalloc = false
    }

    /// Allocates like ``init(byteCount:zeroed:)``, or returns nil when the system refuses the
    /// memory: for sizes computed from a file or an input, which must fail with an error rather
    /// than abort the process.
    public init?(allocatingIfPossible byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, max(byteCount, 1)) == 0, let raw else { return nil }
        self.byteCount = byteCount
        self.base = raw
        if zeroed { base.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1)) }
        self.owner = nil
        self.fromMalloc = true
    }

    /// Borrows `byteCount` bytes at `base`, which stay valid as long as `owner` lives.
    public init(borrowing base: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        self.base = UnsafeMutableRawPointer(mutating: base)
        self.byteCount = byteCount
        self.owner = owner
        self.fromMalloc = false
    }

    deinit {
        if fromMalloc {
            free(base)
        } else if owner == nil {
            base.deallocate()
        }
    }
}
