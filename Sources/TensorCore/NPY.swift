import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// NumPy `.npy` files, format versions 1.0–3.0, little-endian, C order.
///
/// Big-endian data and Fortran order are refused with a message saying so; `bfloat16` has no
/// NumPy dtype and is refused on write.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads a tensor from the `.npy` file at `path`.
    public static func read(path: String) throws(TensorError) -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .npy("\(path): cannot read file (\(error.localizedDescription))")
        }
        let result: Result<Tensor, TensorError> = data.withUnsafeBytes { raw in
            Result { () throws(TensorError) in try decode(raw) }
        }
        switch result {
        case .success(let tensor): return tensor
        case .failure(let error): throw .npy("\(path): \(error.description)")
        }
    }

    /// Decodes the bytes of an `.npy` file.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(TensorError) -> Tensor {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw .npy("not a .npy file (bad magic bytes)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .npy("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw .npy("unsupported .npy format version \(major).\(bytes[7]) (1.0–3.0 are read)")
        }
        let (dataStart, overflow) = headerStart.addingReportingOverflow(headerLength)
        guard !overflow, dataStart <= bytes.count else {
            throw .npy("truncated .npy header (declares \(headerLength) bytes)")
        }
        guard let header = String(bytes: bytes[headerStart..<dataStart], encoding: major == 3 ? .utf8 : .isoLatin1)
        else { throw .npy("unreadable .npy header") }
        let fields = try parseHeader(header)
        let tensorBytes = bytes.count - dataStart
        // The declared size is checked against the bytes present before anything is allocated.
        let count = try Shape.elementCount(fields.shape)
        let (needed, overflow2) = count.multipliedReportingOverflow(by: fields.dtype.byteSize)
        guard !overflow2, needed == tensorBytes else {
            throw .npy("data holds \(tensorBytes) bytes but shape \(fields.shape) of \(fields.dtype) needs "
                + (overflow2 ? "more than \(Int.max)" : "\(needed)"))
        }
        var tensor = try Tensor(uninitialized: fields.dtype, shape: fields.shape)
        if tensorBytes > 0 {
            tensor.withUnsafeMutableRawBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[dataStart...])) }
        }
        return tensor
    }

    /// The `.npy` encoding (version 1.0, or 2.0 when the header needs it) of `tensor`.
    public static func encode(_ tensor: Tensor) throws(TensorError) -> [UInt8] {
        var out = try header(for: tensor)
        tensor.withUnsafeRawBytes { out += $0 }
        return out
    }

    /// The bytes of an `.npy` file that come before the data of `tensor`.
    static func header(for tensor: Tensor) throws(TensorError) -> [UInt8] {
        guard let descr = descriptor(for: tensor.dtype) else {
            throw .unsupportedDType(tensor.dtype, "in .npy files (NumPy has no such dtype; cast it first)")
        }
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)"
            : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let version: UInt8 = header.utf8.count + 11 > 65_535 ? 2 : 1
        let prefix = version == 1 ? 10 : 12
        let total = (prefix + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - prefix - header.utf8.count - 1) + "\n"
        var out = magic + [version, 0]
        let length = header.utf8.count
        out += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        out += Array(header.utf8)
        return out
    }

    /// Writes `tensor` to `path` (replacing it); the file appears complete or not at all.
    ///
    /// The data goes to a temporary file in the same folder straight from the tensor's storage,
    /// then the file is renamed over `path`. (Encoding to an array and a `Data` first held two
    /// extra copies of the tensor: 49 MiB on top of `run`'s peak for GPT-2 logits.)
    public static func write(_ tensor: Tensor, path: String) throws(TensorError) {
        let header = try header(for: tensor)
        func failure() -> TensorError {
            .npy("\(path): cannot write file (\(String(cString: strerror(errno))))")
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = folder + ".\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
        // 0o666 and the umask, as for any new file; O_EXCL: never write through someone else's file.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure() }
        let written =
            header.withUnsafeBytes { writeAll(fd, $0) } && tensor.withUnsafeRawBytes { writeAll(fd, $0) }
        var error = written ? nil : failure()
        if close(fd) != 0, error == nil { error = failure() }
        if error == nil, rename(temporary, path) != 0 { error = failure() }
        if let error {
            unlink(temporary)
            throw error
        }
    }

    /// Writes all of `bytes` to `fd`, resuming after partial writes and signals.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let n = systemWrite(fd, base + offset, bytes.count - offset)
            guard n > 0 else {
                if n < 0, errno == EINTR { continue }
                if n == 0 { errno = EIO }  // no progress and no reason: do not spin
                return false
            }
            offset += n
        }
        return true
    }

    static func descriptor(for dtype: DType) -> String? {
        switch dtype {
        case .float32: "<f4"
        case .float64: "<f8"
        case .float16: "<f2"
        case .int8: "|i1"
        case .int16: "<i2"
        case .int32: "<i4"
        case .int64: "<i8"
        case .uint8: "|u1"
        case .uint16: "<u2"
        case .uint32: "<u4"
        case .uint64: "<u8"
        case .bool: "|b1"
        case .bfloat16, .string: nil
        // No NumPy dtype (ml_dtypes' are not in the .npy format).
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: nil
        case .uint4, .int4, .uint2, .int2: nil
        }
    }

    static func dtype(forDescriptor descr: String) throws(TensorError) -> DType {
        guard let order = descr.first, let code = descr.dropFirst().first else {
            throw .npy("bad dtype descriptor '\(descr)'")
        }
        let size = Int(descr.dropFirst(2)) ?? -1
        if order == ">" && size > 1 {
            throw .npy("big-endian data ('\(descr)') is not supported; save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))")
        }
        guard "<|=>".contains(order) else { throw .npy("bad dtype descriptor '\(descr)'") }
        let match = DType.allCases.first { dtype in
            guard let own = descriptor(for: dtype) else { return false }
            return own.dropFirst() == descr.dropFirst()
        }
        guard let dtype = match else {
            throw .npy("dtype '\(descr)' is not supported (float16/32/64, int8–64, uint8–64 and bool are)")
        }
        return dtype
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    static func parseHeader(_ header: String) throws(TensorError) -> (dtype: DType, shape: [Int]) {
        func value(of key: String) throws(TensorError) -> Substring {
            guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
                throw .npy("header has no '\(key)' entry")
            }
            let rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
            return rest
        }
        let descrText = try value(of: "descr")
        guard let quote = descrText.first, quote == "'" || quote == "\"",
              let end = descrText.dropFirst().firstIndex(of: quote)
        else { throw .npy("header 'descr' is not a string (structured dtypes are not supported)") }
        let dtype = try Self.dtype(forDescriptor: String(descrText[descrText.index(after: descrText.startIndex)..<end]))
        let fortran = try value(of: "fortran_order")
        if fortran.hasPrefix("True") {
            throw .npy("Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)")
        }
        guard fortran.hasPrefix("False") else { throw .npy("header 'fortran_order' is not True or False") }
        let shapeText = try value(of: "shape")
        guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw .npy("header 'shape' is not a tuple")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed), dim >= 0 else { throw .npy("header 'shape' has a bad dimension '\(trimmed)'") }
            shape.append(dim)
        }
        return (dtype, shape)
    }
}
