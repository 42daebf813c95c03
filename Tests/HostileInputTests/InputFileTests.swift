import Foundation
import Testing

/// Input files (`--input NAME=FILE`, `.npy` or `.pb`) that are corrupt or do not fit the model:
/// each fails with status 1 naming the file or the input.
@Suite struct InputFileTests {
    static let model = Repo.hostile("models/add.onnx")  // sum = a[n,3] + b[m,3], float32
    static let goodB = Repo.hostile("inputs/a_2x3.npy")

    /// `run add.onnx --input a=FILE --input b=<good>` in `dir`.
    static func runWithA(_ file: String, in dir: URL) throws -> CLIResult {
        try onnxpatch(["run", model, "--input", "a=\(file)", "--input", "b=\(goodB)",
                       "--out", dir.appendingPathComponent("out").path])
    }

    /// A `.npy` file: magic, version, little-endian header length, header padded with spaces
    /// and a newline, then `data`.
    static func npy(_ header: String, data: [UInt8] = [], version: UInt8 = 1, declaredLength: Int? = nil) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = version == 1 ? 10 : 12
        while (prefix + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        let length = declaredLength ?? text.count
        let lengthBytes: [UInt8] = version == 1
            ? [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF)]
            : (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + lengthBytes + text + data
    }

    static func header(descr: String = "'<f4'", fortran: String = "False", shape: String = "(2, 3)") -> String {
        "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape), }"
    }

    static let floats6 = [UInt8](repeating: 0, count: 24)

    static let corruptNPY: [(name: String, bytes: [UInt8], expected: String)] = [
        ("short", [0x93, 0x4E, 0x55], "bad magic bytes"),
        ("magic", Array("NUMPY.......................".utf8), "bad magic bytes"),
        ("version", npy(header(), data: floats6, version: 4), "unsupported .npy format version 4.0"),
        ("header_past_end", npy(header(), data: floats6, declaredLength: 60_000), "truncated .npy header"),
        ("header_past_end_v2", npy(header(), version: 2, declaredLength: 0x7FFF_FFFF), "truncated .npy header"),
        ("no_descr", npy("{'fortran_order': False, 'shape': (2, 3), }", data: floats6), "no 'descr' entry"),
        ("structured", npy(header(descr: "[('x', '<f4')]"), data: floats6), "structured dtypes"),
        ("big_endian", npy(header(descr: "'>f4'"), data: floats6), "big-endian"),
        ("fortran", npy(header(fortran: "True"), data: floats6), "Fortran-order"),
        ("fortran_garbage", npy(header(fortran: "Maybe"), data: floats6), "'fortran_order' is not True or False"),
        ("complex", npy(header(descr: "'<c8'"), data: floats6), "dtype '<c8' is not supported"),
        ("empty_descr", npy(header(descr: "''"), data: floats6), "bad dtype descriptor"),
        ("shape_not_tuple", npy(header(shape: "6"), data: floats6), "'shape' is not a tuple"),
        ("negative_dim", npy(header(shape: "(-2, 3)"), data: floats6), "bad dimension '-2'"),
        ("word_dim", npy(header(shape: "(two, 3)"), data: floats6), "bad dimension 'two'"),
        ("short_data", npy(header(), data: Array(floats6.prefix(20))), "data holds 20 bytes but shape [2, 3] of float32 needs 24"),
        ("long_data", npy(header(), data: floats6 + [0]), "data holds 25 bytes"),
        // Regression: the tensor used to be allocated before its size was compared with the data.
        ("astronomical", npy(header(shape: "(1099511627776, 4096)")), "needs 18014398509481984"),
        ("overflowing", npy(header(shape: "(1099511627776, 1099511627776)")), "element count overflows"),
        ("not_utf8_v3", npy("{'descr': '\u{FF}", version: 3).map { $0 == 0xC3 ? 0xFF : $0 }, "unreadable .npy header"),
    ]

    @Test(arguments: corruptNPY.map(\.name))
    func corruptNPYInput(name: String) throws {
        let entry = try #require(Self.corruptNPY.first { $0.name == name })
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try write(entry.bytes, "\(name).npy", in: dir)
        expectFailure(try Self.runWithA(path, in: dir), status: 1, [path, entry.expected])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/manifest.json").path))
    }

    /// Text from a header comes back in the message; a file cannot put a line break or an
    /// escape sequence on the terminal through it.
    @Test func controlCharactersInAHeaderAreEscaped() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try write(Self.npy(Self.header(descr: "'<\u{1B}[31m\nX'"), data: Self.floats6), "escape.npy", in: dir)
        let result = try Self.runWithA(path, in: dir)
        expectFailure(result, status: 1, [path, "\\u{1b}[31m"])
        #expect(!result.stderr.contains("\u{1B}"))
    }

    @Test(arguments: [
        ("f_int64.npy", "input 'a': expected float32, got int64"),
        ("f_rank1.npy", "input 'a': expected shape [n, 3]"),
        ("f_wrong_dim.npy", "input 'a': expected shape [n, 3]"),
    ])
    func inputThatDoesNotFitTheModel(file: String, expected: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path: String
        switch file {
        case "f_int64.npy":
            path = try write(Self.npy(Self.header(descr: "'<i8'"), data: Array(repeating: 0, count: 48)), file, in: dir)
        case "f_rank1.npy":
            path = try write(Self.npy(Self.header(shape: "(6,)"), data: Self.floats6), file, in: dir)
        default:
            path = try write(Self.npy(Self.header(shape: "(3, 2)"), data: Self.floats6), file, in: dir)
        }
        expectFailure(try Self.runWithA(path, in: dir), status: 1, [expected])
    }

    @Test func corruptTensorProtoInputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try bytes(Repo.imported("input_ids.pb"))
        let cases: [(String, [UInt8], String)] = [
            ("empty.pb", [], "the file is empty"),
            ("truncated.pb", Array(good.prefix(good.count - 5)), "malformed protobuf"),
            ("model.pb", try bytes(Repo.imported("simple.onnx")), "TensorProto"),
            // TensorProto{dims: [2^40, 2^40], data_type: FLOAT}: declares far more than it holds.
            ("huge.pb", [0x0A, 0x0C, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x10, 0x01],
             "overflow"),
            // TensorProto{dims: [4], data_type: FLOAT, raw_data: 3 bytes}
            ("short.pb", [0x08, 0x04, 0x10, 0x01, 0x4A, 0x03, 1, 2, 3], "raw_data holds 3 bytes"),
        ]
        for (name, content, expected) in cases {
            let path = try write(content, name, in: dir)
            expectFailure(try Self.runWithA(path, in: dir), status: 1, [path, expected])
        }
    }

    /// A `.pb` input may use external data beside it, under the same rules as a model's.
    @Test func tensorProtoInputWithEscapingExternalData() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let location = "../secret.bin"
        let entry: [UInt8] = [0x0A, 0x08] + Array("location".utf8) + [0x12, UInt8(location.utf8.count)] + Array(location.utf8)
        let tensor: [UInt8] = [0x08, 0x02, 0x08, 0x03, 0x10, 0x01, 0x6A, UInt8(entry.count)] + entry + [0x70, 0x01]
        let path = try write(tensor, "sub/a.pb", in: dir)
        expectFailure(try Self.runWithA(path, in: dir), status: 1, [path, "external data", "'..' component"])
    }

    @Test func inputArgumentsThatAreWrong() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let a = Self.goodB
        expectFailure(
            try onnxpatch(["run", Self.model, "--input", "a=\(a)", "--input", "a=\(a)", "--input", "b=\(a)", "--out", out]),
            status: 2, ["--input 'a' is given twice"])
        expectFailure(
            try onnxpatch(["run", Self.model, "--input", "=\(a)", "--out", out]), status: 1, ["expected NAME=FILE"])
        expectFailure(
            try onnxpatch(["run", Self.model, "--input", "a=", "--out", out]), status: 1, ["expected NAME=FILE"])
        expectFailure(
            try onnxpatch(["run", Self.model, "--input", "a=\(a)", "--input", "b=\(a)", "--input", "c=\(a)", "--out", out]),
            status: 1, ["no input 'c'"])
        expectFailure(
            try onnxpatch(["run", Self.model, "--input", "a=\(a)", "--out", out]), status: 1, ["input 'b' is required"])
        expectFailure(
            try onnxpatch(["run", Self.model, "--input", "a=\(dir.path)/nothere.npy", "--input", "b=\(a)", "--out", out]),
            status: 1, ["nothere.npy"])
    }
}
