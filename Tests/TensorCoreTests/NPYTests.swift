import Foundation
import Testing
@testable import TensorCore

@Suite struct NPYTests {
    /// The bytes `np.save` writes: magic, version, header length, a dict padded to 64 bytes, data.
    static func numpyBytes(
        descr: String, shape: String, payload: [UInt8], version: UInt8 = 1, fortran: Bool = false
    ) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let n = header.utf8.count
        let length: [UInt8] = version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
        return NPY.magic + [version, 0] + length + Array(header.utf8) + payload
    }

    static func floats(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

    @Test(arguments: [UInt8(1), 2, 3])
    func readsEveryFormatVersion(version: UInt8) throws {
        let bytes = Self.numpyBytes(descr: "<f4", shape: "(2, 3)", payload: Self.floats([0, 1, 2, 3, 4, 5]), version: version)
        let t = try bytes.withUnsafeBytes { try NPY.decode($0) }
        #expect(t.shape == [2, 3])
        #expect(t.scalars(as: Float.self) == [0, 1, 2, 3, 4, 5])
    }

    @Test func roundTripsEveryDType() throws {
        let tensors: [Tensor] = [
            Tensor(shape: [2], scalars: [1.5, -2] as [Float]), Tensor(scalar: 3.25 as Double),
            Tensor([1, -2] as [Int8]), Tensor([300, -2] as [Int16]), Tensor([1 << 20] as [Int32]),
            Tensor([Int64.min, Int64.max]), Tensor([255] as [UInt8]), Tensor([65535] as [UInt16]),
            Tensor([UInt32.max]), Tensor([UInt64.max]), Tensor([true, false, true]),
            Tensor([0.5, -65504] as [Float16]), Tensor(shape: [0, 3], scalars: [] as [Float]),
        ]
        for t in tensors {
            let back = try NPY.encode(t).withUnsafeBytes { try NPY.decode($0) }
            #expect(back.dtype == t.dtype && back.shape == t.shape)
            #expect(back.withUnsafeRawBytes(Array.init) == t.withUnsafeRawBytes(Array.init))
        }
    }

    @Test func headerIsPaddedTo64Bytes() throws {
        let bytes = try NPY.encode(Tensor([1, 2] as [Float]))
        #expect((bytes.count - 8) % 64 == 0)
        #expect(bytes[8] == UInt8(bytes.count - 8 - 10))
    }

    @Test func refusesWhatItCannotRead() {
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try bytes.withUnsafeBytes { try NPY.decode($0) }
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message([1, 2, 3]).contains("not a .npy file"))
        #expect(message(Self.numpyBytes(descr: ">f4", shape: "(1,)", payload: [0, 0, 0, 0])).contains("big-endian"))
        #expect(message(Self.numpyBytes(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0], fortran: true)).contains("Fortran"))
        #expect(message(Self.numpyBytes(descr: "<f4", shape: "(3,)", payload: [0, 0, 0, 0])).contains("needs 12"))
        #expect(message(Self.numpyBytes(descr: "<c8", shape: "(1,)", payload: [0, 0, 0, 0, 0, 0, 0, 0])).contains("not supported"))
        #expect(message(Self.numpyBytes(descr: "<f4", shape: "(-1,)", payload: [])).contains("bad dimension"))
        #expect(message(Array(Self.numpyBytes(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0]).prefix(30))).contains("truncated"))
    }

    @Test func refusesBFloat16OnWrite() {
        #expect(throws: TensorError.self) { try NPY.encode(Tensor([BFloat16(1)])) }
    }

    @Test func writeProducesNumPyBytesAndReplacesAnExistingFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("x.npy").path
        try Data(repeating: 0x55, count: 5000).write(to: URL(fileURLWithPath: path))

        try NPY.write(Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5] as [Float]), path: path)
        let expected = Self.numpyBytes(
            descr: "<f4", shape: "(2, 3)", payload: Self.floats([0, 1, 2, 3, 4, 5]))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["x.npy"])

        // A tensor of several MiB and an empty one take the same path.
        let big = Tensor(shape: [3, 1 << 19], scalars: (0..<(3 << 19)).map { Int32($0) })
        try NPY.write(big, path: path)
        #expect(try NPY.read(path: path).scalars(as: Int32.self) == big.scalars(as: Int32.self))
        try NPY.write(Tensor(shape: [0, 2], scalars: [] as [Int64]), path: path)
        #expect(try NPY.read(path: path).shape == [0, 2])
    }

    @Test func failedWriteLeavesNoFileBehind() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("no/such/folder/x.npy").path
        #expect {
            try NPY.write(Tensor([1] as [Float]), path: missing)
        } throws: { "\($0)".contains(missing) && "\($0)".contains("cannot write file") }
        // A directory in the way: the temporary file is written, the rename fails, it is removed.
        let blocked = folder.appendingPathComponent("taken.npy")
        try FileManager.default.createDirectory(
            at: blocked.appendingPathComponent("inside"), withIntermediateDirectories: true)
        #expect(throws: TensorError.self) { try NPY.write(Tensor([1] as [Float]), path: blocked.path) }
        let bfloat16 = folder.appendingPathComponent("b.npy").path
        #expect(throws: TensorError.self) { try NPY.write(Tensor([BFloat16(1)]), path: bfloat16) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["taken.npy"])
    }
}
