import Foundation
import ONNXPatch
import Testing

/// Bad input on the command line: each case exits non-zero with one `error:` line naming the
/// culprit, is not killed by a signal, and leaves no manifest behind.
@Suite struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var description: String
        /// Builds the arguments in a scratch folder; returns them and the text the error must contain.
        var make: @Sendable (URL) throws -> (arguments: [String], expected: String, status: Int32)
    }

    static let gpt2 = Repo.models.appendingPathComponent("gpt2-dynamo")
    static var model: String { gpt2.appendingPathComponent("model.onnx").path }
    static var ids: String { gpt2.appendingPathComponent("inputs/input_ids.npy").path }
    static var mask: String { gpt2.appendingPathComponent("inputs/attention_mask.npy").path }

    static func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    static func run(_ model: String, _ inputs: [String], out: URL) -> [String] {
        ["run", model] + inputs.flatMap { ["--input", $0] } + ["--out", out.appendingPathComponent("out").path]
    }

    static let cases: [Case] = [
        Case(description: "missing model file") { dir in
            (run(dir.appendingPathComponent("nope.onnx").path, [], out: dir), "nope.onnx", 1)
        },
        Case(description: "empty model file") { dir in
            (run(try write([], "empty.onnx", in: dir), ["input_ids=\(ids)"], out: dir), "empty.onnx", 1)
        },
        Case(description: "not an ONNX file") { dir in
            (run(try write(Array("hello, this is text\n".utf8), "text.onnx", in: dir), [], out: dir), "text.onnx", 1)
        },
        Case(description: "truncated model") { dir in
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: model)))
            return (run(try write(Array(bytes.prefix(bytes.count / 3)), "cut.onnx", in: dir), [], out: dir), "cut.onnx", 1)
        },
        Case(description: "unknown input name") { dir in
            (run(model, ["input_ids=\(ids)", "attention_mask=\(mask)", "token_ids=\(ids)"], out: dir), "no input 'token_ids'", 1)
        },
        Case(description: "missing input") { dir in
            (run(model, ["input_ids=\(ids)"], out: dir), "input 'attention_mask' is required", 1)
        },
        Case(description: "wrong input dtype") { dir in
            let floats = dir.appendingPathComponent("f.npy").path
            try NPY.write(Tensor(shape: [2, 7], scalars: [Float](repeating: 1, count: 14)), path: floats)
            return (run(model, ["input_ids=\(floats)", "attention_mask=\(mask)"], out: dir), "input 'input_ids': expected int64, got float32", 1)
        },
        Case(description: "wrong input rank") { dir in
            let flat = dir.appendingPathComponent("flat.npy").path
            try NPY.write(Tensor(shape: [14], scalars: [Int64](repeating: 1, count: 14)), path: flat)
            return (run(model, ["input_ids=\(flat)", "attention_mask=\(mask)"], out: dir), "input 'input_ids': expected shape [batch, sequence]", 1)
        },
        Case(description: "symbolic dimension disagreement") { dir in
            let short = dir.appendingPathComponent("short.npy").path
            try NPY.write(Tensor(shape: [2, 5], scalars: [Int64](repeating: 1, count: 10)), path: short)
            return (run(model, ["input_ids=\(ids)", "attention_mask=\(short)"], out: dir), "dimension 'sequence'", 1)
        },
        Case(description: "corrupt .npy header") { dir in
            (run(model, ["input_ids=\(try write(Array("\u{93}NUMPY garbage".utf8), "bad.npy", in: dir))", "attention_mask=\(mask)"], out: dir),
             "bad.npy", 1)
        },
        Case(description: "input file of unknown type") { dir in
            (run(model, ["input_ids=\(try write([1, 2], "ids.bin", in: dir))", "attention_mask=\(mask)"], out: dir),
             "ids.bin: unknown input file type", 1)
        },
        Case(description: "input without '='") { dir in
            (run(model, ["input_ids"], out: dir), "expected NAME=FILE", 1)
        },
        Case(description: "runtime shape mismatch names the node") { dir in
            // Token ids beyond the 128-token vocabulary make the embedding Gather fail at run time.
            let big = dir.appendingPathComponent("big.npy").path
            try NPY.write(Tensor(shape: [2, 7], scalars: [Int64](repeating: 500, count: 14)), path: big)
            return (run(model, ["input_ids=\(big)", "attention_mask=\(mask)"], out: dir), "node 'node_embedding' (Gather)", 1)
        },
        Case(description: "bad --threads") { dir in
            (run(model, ["input_ids=\(ids)", "attention_mask=\(mask)"], out: dir) + ["--threads", "0"], "--threads", 2)
        },
        Case(description: "unknown flag") { dir in
            (["run", model, "--bogus", "--out", dir.path], "bogus", 2)
        },
        Case(description: "unknown subcommand") { _ in
            (["frobnicate"], "frobnicate", 2)
        },
    ]

    @Test(arguments: cases)
    func failsWithOneErrorLine(_ bad: Case) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (arguments, expected, status) = try bad.make(dir)
        let result = try onnxpatch(arguments)
        #expect(!result.signaled, "killed by a signal")
        #expect(result.status == status, "status \(result.status): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "))
        #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/manifest.json").path))
    }
}
