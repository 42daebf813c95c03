#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes.
///
/// Tensors borrow from it through `TensorStorage(borrowing:byteCount:owner:)` with the mapping
/// as owner, so weights stay in the page cache instead of being copied.
final class MappedFile: @unchecked Sendable {
    // @unchecked: the mapping is read-only and never changes after init.
    let base: UnsafeRawPointer?
    let count: Int
    let path: String

    /// Lets the kernel drop the pages holding `range` from this process's memory once their bytes
    /// have been copied elsewhere. The mapping is private and never written, so a later read
    /// simply faults the pages back in from the file: nothing is lost, resident memory shrinks.
    func release(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: base + range.lowerBound) / page * page
        let end = Int(bitPattern: base + range.upperBound)
        guard let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, Int32(MADV_DONTNEED))
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Maps the regular file at `path`. An empty file gives `count == 0` and no mapping.
    ///
    /// - Parameter noFollow: refuse a symbolic link as the last path component (external data).
    /// - Throws: `.cannotOpen` for a missing file, a directory, or a failed `mmap`.
    init(path: String, noFollow: Bool = false) throws(ImportError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        if noFollow { flags |= O_NOFOLLOW }
        let fd = open(path, flags)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw .cannotOpen(path: path, reason: "it is \(kind)")
        }
        self.linkCount = Int(info.st_nlink)
        guard info.st_size > 0 else {
            self.base = nil
            self.count = 0
            return
        }
        guard let size = Int(exactly: info.st_size) else {
            throw .cannotOpen(path: path, reason: "size \(info.st_size) does not fit in memory")
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(errnoText())")
        }
        self.base = UnsafeRawPointer(address)
        self.count = size
    }

    /// `st_nlink` at open time: external data refuses files with several hard links.
    let linkCount: Int

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}
