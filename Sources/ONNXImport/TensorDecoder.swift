import COnnxProto
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes of a tensor's `raw_data` that stayed in the mapped file (see ``WireScan/strippedModel(_:)``).
struct MappedBytes {
    var file: MappedFile
    var range: Range<Int>
}

/// Turns `TensorProto`s into ``Tensor``s: every storage form (`raw_data`, the typed `*_data`
/// fields, external data), with declared sizes checked against the limit, overflow and the data
/// present before anything is allocated.
///
/// One decoder serves one file, so external data files are mapped once and shared.
final class TensorDecoder {
    /// The file being imported, named in every error.
    let path: String
    /// The folder external data locations are relative to; nil refuses external data.
    let directory: String?
    let maxTensorBytes: Int
    private var externalFiles: [String: MappedFile] = [:]

    init(path: String, directory: String?, maxTensorBytes: Int) {
        self.path = path
        self.directory = directory
        self.maxTensorBytes = maxTensorBytes
    }

    /// Decodes one tensor.
    ///
    /// - Parameters:
    ///   - what: how errors name the tensor (`initializer 'w'`).
    ///   - mapped: the tensor's `raw_data` when it was stripped before unpacking.
    func decode(
        _ proto: UnsafePointer<Onnx__TensorProto>, what: String, mapped: MappedBytes? = nil
    ) throws(ImportError) -> Tensor {
        let t = proto.pointee
        func fail(_ reason: String) -> ImportError {
            .invalidTensor(path: path, tensor: what, reason: reason)
        }

        guard t.has_data_type != 0, t.data_type != 0 else { throw fail("data_type is not set") }
        guard let dtype = DType(rawValue: t.data_type), dtype != .string else {
            throw fail("data type \(onnxDataTypeName(t.data_type)) is not supported")
        }
        let dims = cScalars(t.dims, t.n_dims).map { Int(truncatingIfNeeded: $0) }
        var count = 1
        for dim in dims {
            guard dim >= 0 else { throw fail("negative dimension \(dim) in dims \(dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("dims \(dims) overflow the element count") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, byteCount <= maxTensorBytes else {
            throw fail(
                "dims \(dims) of \(dtype) declare \(overflow ? "more than \(Int.max)" : "\(byteCount)") "
                    + "bytes, over the limit of \(maxTensorBytes)")
        }
        guard t.segment == nil else { throw fail("segmented tensors are not supported") }
        // 4- and 2-bit types are packed in the file (two or four per byte) and unpacked to one
        // byte per element in memory.
        let packed = dtype.packedBits < 8
        // ⌈count × bits / 8⌉ without forming count × bits, which overflows when a large
        // --max-tensor-bytes lets count near Int.max through.
        let bits = dtype.packedBits
        let fileByteCount = packed ? count / 8 * bits + (count % 8 * bits + 7) / 8 : byteCount

        let typed: [(field: String, count: Int)] = [
            ("float_data", t.n_float_data), ("int32_data", t.n_int32_data), ("string_data", t.n_string_data),
            ("int64_data", t.n_int64_data), ("double_data", t.n_double_data),
            ("uint64_data", t.n_uint64_data),
        ].filter { $0.count > 0 }
        let isExternal = t.has_data_location != 0 && t.data_location.rawValue == 1
        let hasRaw = t.has_raw_data != 0 || mapped != nil
        var sources = typed.map(\.field)
        if hasRaw { sources.insert("raw_data", at: 0) }
        if isExternal { sources.insert("external data", at: 0) }
        guard sources.count <= 1 else {
            throw fail("holds data in both \(sources[0]) and \(sources[1])")
        }

        var storage: TensorStorage
        if isExternal {
            storage = try external(t, what: what, dtype: dtype, dims: dims, byteCount: fileByteCount)
        } else if let mapped {
            guard mapped.range.count == fileByteCount else {
                throw fail(
                    "raw_data holds \(mapped.range.count) bytes, dims \(dims) of \(dtype) need \(fileByteCount)")
            }
            storage = Self.storage(file: mapped.file, range: mapped.range, dtype: dtype)
        } else if hasRaw {
            guard t.raw_data.len == fileByteCount else {
                throw fail(
                    "raw_data holds \(t.raw_data.len) bytes, dims \(dims) of \(dtype) need \(fileByteCount)")
            }
            storage = Self.copy(
                UnsafeRawBufferPointer(start: t.raw_data.data, count: fileByteCount), dtype: dtype)
        } else if let found = typed.first {
            let expected = Self.typedField(for: dtype)
            guard found.field == expected else {
                throw fail("\(dtype) data belongs in \(expected), found \(found.field)")
            }
            // Packed types keep one packed byte per int32_data entry.
            let entries = packed ? fileByteCount : count
            guard found.count == entries else {
                throw fail("\(expected) holds \(found.count) values, dims \(dims) need \(entries)")
            }
            storage = Self.convertTyped(t, dtype: dtype, count: entries)
        } else {
            guard count == 0 else { throw fail("holds no data for the \(count) elements of dims \(dims)") }
            storage = TensorStorage(byteCount: 0)
        }
        if packed {
            let bytes = UnsafeRawBufferPointer(start: storage.base, count: fileByteCount)
            let unpacked = LowPrecision.unpack(bytes, count: count, dtype)
            storage = TensorStorage(byteCount: count, zeroed: false)
            unpacked.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        do {
            return try Tensor(dtype: dtype, shape: dims, storage: storage)
        } catch {
            throw fail(error.description)
        }
    }

    /// Decodes a `SparseTensorProto` into a dense tensor: `values` is 1-D `[NNZ]`, `indices` is
    /// int64 `[NNZ]` (linear positions) or `[NNZ, rank]` (coordinates), `dims` the dense shape.
    func decodeSparse(_ proto: UnsafePointer<Onnx__SparseTensorProto>, what: String) throws(ImportError)
        -> Tensor
    {
        let sparse = proto.pointee
        func fail(_ reason: String) -> ImportError {
            .invalidTensor(path: path, tensor: what, reason: reason)
        }
        guard let valuesProto = sparse.values else { throw fail("sparse tensor without values") }
        guard let indicesProto = sparse.indices else { throw fail("sparse tensor without indices") }
        let values = try decode(valuesProto, what: "\(what) values")
        let indices = try decode(indicesProto, what: "\(what) indices")
        let dims = cScalars(sparse.dims, sparse.n_dims).map { Int(truncatingIfNeeded: $0) }
        var count = 1
        for dim in dims {
            guard dim >= 0 else { throw fail("negative dimension \(dim) in dims \(dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("dims \(dims) overflow the element count") }
            count = product
        }
        let size = values.dtype.byteSize
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, byteCount <= maxTensorBytes else {
            throw fail(
                "dims \(dims) of \(values.dtype) declare more than the limit of \(maxTensorBytes) bytes")
        }
        guard values.rank == 1 else { throw fail("values must be 1-D, got shape \(values.shape)") }
        let nnz = values.shape[0]
        guard indices.dtype == .int64 else { throw fail("indices must be int64, got \(indices.dtype)") }
        let coordinates = indices.shape == [nnz, dims.count]
        guard indices.shape == [nnz] || coordinates else {
            throw fail("indices of shape \(indices.shape) do not fit \(nnz) values of dims \(dims)")
        }
        let strides = Shape.strides(dims)
        let raw = indices.scalars(as: Int64.self).map { Int(truncatingIfNeeded: $0) }
        // The dense size comes from a few declared numbers, not from bytes present: ask for it in
        // a way that can fail (and, through calloc, without touching pages the values miss).
        guard let storage = ZeroedAllocation.storage(byteCount: byteCount) else {
            throw fail("cannot allocate \(byteCount) bytes for dims \(dims) of \(values.dtype)")
        }
        let source = UnsafeRawPointer(values.storage.base)
        for k in 0..<nnz {
            var position = 0
            if coordinates {
                for axis in 0..<dims.count {
                    let i = raw[k * dims.count + axis]
                    guard i >= 0, i < dims[axis] else {
                        throw fail("index \(i) out of range for axis \(axis) of dims \(dims)")
                    }
                    position += i * strides[axis]
                }
            } else {
                position = raw[k]
                guard position >= 0, position < count else {
                    throw fail("index \(position) out of range for \(count) elements")
                }
            }
            storage.base.advanced(by: position * size).copyMemory(from: source + k * size, byteCount: size)
        }
        withExtendedLifetime(values) {}  // `source` points into its storage
        do {
            return try Tensor(dtype: values.dtype, shape: dims, storage: storage)
        } catch {
            throw fail(error.description)
        }
    }

    /// The `*_data` field that holds `dtype` when `raw_data` is not used (onnx.proto comments).
    static func typedField(for dtype: DType) -> String {
        switch dtype {
        case .float32: "float_data"
        case .float64: "double_data"
        case .int64: "int64_data"
        case .uint32, .uint64: "uint64_data"
        case .string: "string_data"
        case .int32, .int16, .int8, .uint16, .uint8, .bool, .float16, .bfloat16: "int32_data"
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: "int32_data"
        case .uint4, .int4, .uint2, .int2: "int32_data"
        }
    }

    /// Converts the typed field of `dtype` (already checked to hold `count` values).
    private static func convertTyped(_ t: Onnx__TensorProto, dtype: DType, count: Int) -> TensorStorage {
        let storage = TensorStorage(byteCount: count * dtype.byteSize, zeroed: false)
        let out = storage.base
        switch dtype {
        case .float32:
            out.copyMemory(from: t.float_data, byteCount: count * 4)
        case .float64:
            out.copyMemory(from: t.double_data, byteCount: count * 8)
        case .int64:
            out.copyMemory(from: t.int64_data, byteCount: count * 8)
        case .uint64:
            out.copyMemory(from: t.uint64_data, byteCount: count * 8)
        case .int32:
            out.copyMemory(from: t.int32_data, byteCount: count * 4)
        case .uint32:
            for (i, v) in cScalars(t.uint64_data, count).enumerated() {
                out.storeBytes(of: UInt32(truncatingIfNeeded: v), toByteOffset: i * 4, as: UInt32.self)
            }
        case .int16, .uint16, .float16, .bfloat16:
            // float16 and bfloat16 travel as bit patterns in the low 16 bits.
            for (i, v) in cScalars(t.int32_data, count).enumerated() {
                out.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: i * 2, as: UInt16.self)
            }
        case .int8, .uint8, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0,
            .float4e2m1, .uint4, .int4, .uint2, .int2:
            // One byte (a float8 code, or packed 4-/2-bit elements) per int32_data entry.
            for (i, v) in cScalars(t.int32_data, count).enumerated() {
                out.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
            }
        case .bool:
            for (i, v) in cScalars(t.int32_data, count).enumerated() {
                out.storeBytes(of: v != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self)
            }
        case .string:
            preconditionFailure("string tensors are refused before conversion")
        }
        return storage
    }

    /// Storage over mapped bytes: borrowed when the address suits the element type, else copied.
    /// `bool` is always copied, since a byte other than 0 or 1 is not a valid Swift `Bool`.
    static func storage(file: MappedFile, range: Range<Int>, dtype: DType) -> TensorStorage {
        guard let base = file.base, !range.isEmpty else { return TensorStorage(byteCount: 0) }
        let start = base + range.lowerBound
        let aligned = Int(bitPattern: start) % max(dtype.byteSize, 1) == 0
        guard aligned, dtype != .bool else {
            // Copied a slice at a time, each slice's file pages released right after, so the
            // mapped and the copied bytes of a large weight are never resident together (a
            // 147 MiB weight used to add 147 MiB of file pages at the peak of the load).
            let storage = TensorStorage(byteCount: range.count, zeroed: false)
            for offset in stride(from: 0, to: range.count, by: copySliceBytes) {
                let count = min(copySliceBytes, range.count - offset)
                copy(
                    UnsafeRawBufferPointer(start: start + offset, count: count), to: storage.base + offset,
                    dtype: dtype)
                let sliceStart = range.lowerBound + offset
                file.release(sliceStart..<(sliceStart + count))
            }
            return storage
        }
        return TensorStorage(borrowing: start, byteCount: range.count, owner: file)
    }

    /// Bytes copied out of a mapping before its pages are released: large enough that the
    /// `madvise` calls cost nothing next to the copy, small next to the weights.
    static let copySliceBytes = 4 << 20

    /// A fresh copy of little-endian bytes (the only byte order onnxpatch runs on).
    static func copy(_ bytes: UnsafeRawBufferPointer, dtype: DType) -> TensorStorage {
        let storage = TensorStorage(byteCount: bytes.count, zeroed: false)
        copy(bytes, to: storage.base, dtype: dtype)
        return storage
    }

    /// Copies `bytes` to `destination`, turning each `bool` byte other than 0 into 1.
    private static func copy(
        _ bytes: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer, dtype: DType
    ) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if dtype == .bool {
            for i in 0..<bytes.count {
                destination.storeBytes(of: bytes[i] != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self)
            }
        } else {
            destination.copyMemory(from: source, byteCount: bytes.count)
        }
    }

    // MARK: - External data

    /// Maps the bytes named by `external_data`, after refusing every location that could read
    /// outside the model's folder.
    private func external(
        _ t: Onnx__TensorProto, what: String, dtype: DType, dims: [Int], byteCount: Int
    ) throws(ImportError) -> TensorStorage {
        func fail(_ reason: String) -> ImportError {
            .invalidExternalData(path: path, tensor: what, reason: reason)
        }
        guard let directory else { throw fail("not allowed here (no model folder to resolve it against)") }

        var entries: [String: String] = [:]
        for (key, value) in cEntries(t.external_data, t.n_external_data) {
            guard ["location", "offset", "length", "checksum"].contains(key) else {
                throw fail("unknown key '\(key)'")
            }
            guard entries[key] == nil else { throw fail("key '\(key)' appears twice") }
            entries[key] = value
        }
        guard let location = entries["location"], !location.isEmpty else { throw fail("no location") }
        let offset =
            try entries["offset"].map { (text) throws(ImportError) -> Int in
                guard let n = Self.nonNegativeInteger(text) else {
                    throw fail("offset '\(text)' is not a non-negative integer")
                }
                return n
            } ?? 0
        let declaredLength = try entries["length"].map { (text) throws(ImportError) -> Int in
            guard let n = Self.nonNegativeInteger(text) else {
                throw fail("length '\(text)' is not a non-negative integer")
            }
            return n
        }

        let resolved = try resolve(location: location, in: directory, fail: fail)
        let file: MappedFile
        if let cached = externalFiles[resolved] {
            file = cached
        } else {
            do {
                file = try MappedFile(path: resolved, noFollow: true)
            } catch {
                throw fail("location '\(location)': \(error.description)")
            }
            guard file.linkCount == 1 else {
                throw fail(
                    "location '\(location)' has \(file.linkCount) hard links (refused: it may be a file "
                        + "outside the model's folder)")
            }
            externalFiles[resolved] = file
        }

        guard offset <= file.count else {
            throw fail("offset \(offset) is past the end of '\(location)' (\(file.count) bytes)")
        }
        let length = declaredLength ?? (file.count - offset)
        guard length <= file.count - offset else {
            throw fail(
                "offset \(offset) + length \(length) is past the end of '\(location)' (\(file.count) bytes)")
        }
        guard length == byteCount else {
            throw fail("length \(length) does not match dims \(dims) of \(dtype) (\(byteCount) bytes)")
        }
        return Self.storage(file: file, range: offset..<(offset + length), dtype: dtype)
    }

    /// The canonical path of `location` inside `directory`, refusing absolute paths, `..`,
    /// symbolic links anywhere on the way, and anything whose real path leaves the folder.
    private func resolve(
        location: String, in directory: String, fail: (String) -> ImportError
    ) throws(ImportError) -> String {
        guard !location.hasPrefix("/") else { throw fail("location '\(location)' is an absolute path") }
        guard !location.contains("\0") else { throw fail("location '\(location)' contains a NUL byte") }
        let components = location.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains("..") else {
            throw fail("location '\(location)' has a '..' component (it must stay in the model's folder)")
        }
        var current = directory
        for component in components where component != "." {
            current += "/" + component
            var info = stat()
            guard lstat(current, &info) == 0 else {
                throw fail("location '\(location)': cannot open '\(current)': \(errnoText())")
            }
            guard (info.st_mode & S_IFMT) != S_IFLNK else {
                throw fail("location '\(location)' goes through a symbolic link ('\(current)')")
            }
        }
        guard let real = Self.realPath(current), let folder = Self.realPath(directory) else {
            throw fail("location '\(location)': cannot resolve '\(current)': \(errnoText())")
        }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        guard real.hasPrefix(prefix) else {
            throw fail("location '\(location)' resolves to '\(real)', outside the model's folder '\(folder)'")
        }
        return real
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A decimal integer ≥ 0 made of ASCII digits only (no sign, no spaces), without overflow.
    static func nonNegativeInteger(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}

/// Zero-filled memory from `calloc`, which returns NULL instead of trapping when the system
/// refuses, freed when the last tensor using it goes.
final class ZeroedAllocation: @unchecked Sendable {
    // @unchecked: the pointer is written once, by the decoder, before any tensor shares it.
    let base: UnsafeMutableRawPointer

    private init(base: UnsafeMutableRawPointer) { self.base = base }

    deinit { free(base) }

    /// Storage of `byteCount` zero bytes (16-byte aligned, enough for every DType), or nil.
    static func storage(byteCount: Int) -> TensorStorage? {
        guard let base = calloc(max(byteCount, 1), 1) else { return nil }
        let owner = ZeroedAllocation(base: base)
        return TensorStorage(borrowing: base, byteCount: byteCount, owner: owner)
    }
}
