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
    /// What `malloc`/`calloc` returned for owned storage (`base` rounded up to 64), given to `free`.
    private let allocation: UnsafeMutableRawPointer?

    public var isOwned: Bool { owner == nil }

    /// Allocates `byteCount` bytes, zero-filled when `zeroed`.
    public init(byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0)
        guard let block = Self.allocate(byteCount, zeroed: zeroed) else {
            preconditionFailure("cannot allocate \(byteCount) bytes")
        }
        self.byteCount = byteCount
        self.base = block.base
        self.allocation = block.allocation
        self.owner = nil
    }

    /// Allocates like ``init(byteCount:zeroed:)``, or returns nil when the system refuses the
    /// memory: for sizes computed from a file or an input, which must fail with an error rather
    /// than abort the process.
    public init?(allocatingIfPossible byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0)
        guard let block = Self.allocate(byteCount, zeroed: zeroed) else { return nil }
        self.byteCount = byteCount
        self.base = block.base
        self.allocation = block.allocation
        self.owner = nil
    }

    /// Borrows `byteCount` bytes at `base`, which stay valid as long as `owner` lives.
    public init(borrowing base: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        self.base = UnsafeMutableRawPointer(mutating: base)
        self.byteCount = byteCount
        self.owner = owner
        self.allocation = nil
    }

    deinit {
        if let allocation { free(allocation) }
    }

    /// Alignment of owned storage: a cache line, and enough for any SIMD load of an element type.
    static let alignment = 64

    /// `byteCount` bytes at a 64-byte boundary inside a plain `malloc` (or `calloc`) block of
    /// `byteCount + 63` bytes, or nil when the system refuses.
    ///
    /// Not `posix_memalign`: glibc before 2.38 serves an aligned request of n bytes only from a
    /// free block of n + alignment + overhead bytes, so the hole a freed tensor leaves is too small
    /// for the next tensor of the same size. Activations freed and reallocated layer after layer
    /// then kept growing the heap: 44 MiB after one GPT-2-small forward pass, 4 of them in use and
    /// 43 resident (glibc 2.36). Plain `malloc` blocks of equal size reuse each other's holes.
    /// `calloc` gets zeroed pages from the kernel without touching them when the block is mapped.
    private static func allocate(_ byteCount: Int, zeroed: Bool)
        -> (allocation: UnsafeMutableRawPointer, base: UnsafeMutableRawPointer)?
    {
        let (size, overflow) = max(byteCount, 1).addingReportingOverflow(alignment - 1)
        guard !overflow, let raw = zeroed ? calloc(size, 1) : malloc(size) else { return nil }
        let address = Int(bitPattern: raw)
        let padding = (alignment - address % alignment) % alignment
        return (raw, raw + padding)
    }
}
