import Foundation
import Testing

/// Model files that are not models, or not whole ones: each is refused by `inspect` and by
/// `run` with status 1 and one line naming the file (and the culprit inside it, where there is one).
@Suite struct ModelFileTests {
    static let gpt2Model = Repo.gpt2.appendingPathComponent("model.onnx").path
    static let ids = Repo.gpt2.appendingPathComponent("inputs/input_ids.npy").path
    static let mask = Repo.gpt2.appendingPathComponent("inputs/attention_mask.npy").path

    /// `inspect MODEL` and `run MODEL …` on the same file.
    static func both(_ model: String, out: URL) -> [[String]] {
        [["inspect", model],
         ["run", model, "--input", "input_ids=\(ids)", "--input", "attention_mask=\(mask)",
          "--out", out.appendingPathComponent("out").path]]
    }

    @Test func emptyFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try write([], "empty.onnx", in: dir)
        for arguments in Self.both(path, out: dir) {
            expectFailure(try onnxpatch(arguments), status: 1, [path, "the file is empty"])
        }
    }

    @Test func randomBytes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(state: 7)
        for size in [1, 3, 64, 4096] {
            let path = try write((0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }, "random\(size).onnx", in: dir)
            for arguments in Self.both(path, out: dir) {
                expectFailure(try onnxpatch(arguments), status: 1, [path])
            }
        }
    }

    @Test func folderFifoAndMissingFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.onnx").path
        #expect(mkfifo(fifo, 0o600) == 0)
        expectFailure(try onnxpatch(["inspect", fifo], timeout: 20), status: 1, [fifo, "not a regular file"])
        expectFailure(try onnxpatch(["inspect", dir.path]), status: 1, [dir.path, "directory"])
        let missing = dir.appendingPathComponent("missing.onnx").path
        expectFailure(try onnxpatch(["inspect", missing]), status: 1, [missing, "No such file"])
    }

    /// Cuts of a real model at spread-out points: each prefix is refused (a length or varint cut
    /// short, or a model without its graph or opsets), never half-loaded.
    @Test(arguments: [1, 2, 10, 100, 1000, 10_000, 100_000, -1000, -10, -1])
    func truncatedModel(cut: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try bytes(Self.gpt2Model)
        let length = cut > 0 ? cut : whole.count + cut
        let path = try write(Array(whole.prefix(length)), "cut\(length).onnx", in: dir)
        for arguments in Self.both(path, out: dir) {
            expectFailure(try onnxpatch(arguments), status: 1, [path])
        }
    }

    /// Flipped bits anywhere in a real model: the file may still load (a flipped weight is a valid
    /// model), but it never crashes, hangs or prints more than one error line.
    @Test func bitFlippedModels() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try bytes(Self.gpt2Model)
        var rng = SplitMix64(state: 42)
        var refused = 0
        for k in 0..<24 {
            var mutant = whole
            for _ in 0..<(1 + k % 4) {
                // Half the flips land in the first 4 KiB, where the graph's structure starts.
                let limit = k % 2 == 0 ? min(4096, whole.count) : whole.count
                let at = Int.random(in: 0..<limit, using: &rng)
                mutant[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            let path = try write(mutant, "flip\(k).onnx", in: dir)
            let result = try onnxpatch(["inspect", path], timeout: 60)
            #expect(!result.signaled && !result.timedOut, "mutant \(k): \(result)")
            #expect(result.status == 0 || result.status == 1, "mutant \(k): \(result)")
            if result.status == 1 {
                refused += 1
                expectFailure(result, status: 1, [path])
            }
        }
        // Not a test of the flips' luck: most of a model's bytes are weights, but some flips
        // must have hit structure.
        #expect(refused > 0)
    }

    @Test func nestingBombIsRefusedBeforeUnpack() throws {
        let path = Repo.imported("malformed/nested.onnx")
        expectFailure(try onnxpatch(["inspect", path]), status: 1, [path, "nest 65 deep", "limit of 64"])
    }

    @Test(arguments: [
        ("malformed/no_graph.onnx", ["ModelProto.graph", "missing"]),
        ("malformed/no_opset.onnx", ["ModelProto.opset_import", "missing"]),
        ("malformed/no_op_type.onnx", ["node 'blank'", "NodeProto.op_type"]),
        ("malformed/empty_attribute.onnx", ["node 'valueless'", "attribute 'alpha'"]),
        ("malformed/undefined_input.onnx", ["node 'uses_ghost'", "input 'ghost'", "never defined"]),
        ("malformed/defined_twice.onnx", ["value 'y'", "defined twice", "'first'", "'second'"]),
        ("malformed/duplicate_initializer.onnx", ["value 'w'", "defined twice", "initializer"]),
        ("malformed/cycle.onnx", ["cycle", "'loop_a'", "'loop_b'"]),
    ])
    func brokenGraphs(file: String, fragments: [String]) throws {
        let path = Repo.imported(file)
        expectFailure(try onnxpatch(["inspect", path]), status: 1, [path] + fragments)
    }

    /// An op nobody implements still imports (inspect shows it); run names it.
    @Test func unknownOp() throws {
        let path = Repo.hostile("models/unknown_op.onnx")
        let shown = try onnxpatch(["inspect", path])
        expectSuccess(shown)
        #expect(shown.stdout.contains("mystery  com.example.Frobnicate"), "\(shown.stdout)")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = Repo.hostile("inputs/x6.npy")
        let result = try onnxpatch(["run", path, "--input", "x=\(x)", "--out", dir.path])
        expectFailure(result, status: 1, ["unsupported op", "com.example.Frobnicate", "'mystery'"])
    }
}
