import Foundation
import ONNXPatch
import Testing

/// `--prompt TEXT --tokenizer FILE` on `run`, and `--clean-prompt`/`--corrupt-prompt` on `sweep`:
/// the text becomes the same feeds as the ids `tokenizers` gives for it.
@Suite struct PromptCLITests {
    static let llamaKV = GenerateCLITests.path("generation/llama-kv/model.onnx")
    static let llamaTokenizer = GenerateCLITests.path("tokenizers/llama2/tokenizer.json")

    @Test func runWithPromptEqualsRunWithItsIds() throws {
        let c = try GenerateCLITests.reference("llama-kv text 1")
        let dir = try temporaryDirectory()
        let a = dir.appendingPathComponent("prompt"), b = dir.appendingPathComponent("ids")
        let prompt = try #require(c.prompt)
        let viaPrompt = try onnxpatch(["run", Self.llamaKV, "--prompt", prompt, "--tokenizer", Self.llamaTokenizer, "--out", a.path])
        #expect(viaPrompt.status == 0, "\(viaPrompt.stderr)")
        // The same run from files: ids from the tokenizers package, positions, mask and an empty cache.
        let n = c.prompt_ids.count
        var inputs: [String] = []
        func file(_ name: String, _ tensor: Tensor) throws {
            let path = dir.appendingPathComponent("\(name).npy").path
            try NPY.write(tensor, path: path)
            inputs += ["--input", "\(name)=\(path)"]
        }
        try file("input_ids", Tensor(shape: [1, n], scalars: c.prompt_ids.map(Int64.init)))
        try file("attention_mask", Tensor(shape: [1, n], scalars: [Int64](repeating: 1, count: n)))
        try file("position_ids", Tensor(shape: [1, n], scalars: (0..<n).map(Int64.init)))
        for layer in 0..<2 {
            for kind in ["key", "value"] { try file("past_key_values.\(layer).\(kind)", try Tensor(zeros: .float32, shape: [1, 2, 0, 8])) }
        }
        let viaIDs = try onnxpatch(["run", Self.llamaKV, "--out", b.path] + inputs)
        #expect(viaIDs.status == 0, "\(viaIDs.stderr)")
        let x = try NPY.read(path: a.appendingPathComponent("logits.npy").path)
        let y = try NPY.read(path: b.appendingPathComponent("logits.npy").path)
        #expect(x.shape == [1, n, 768])
        #expect(try x.doubleValues() == y.doubleValues())
    }

    @Test func promptAndInputForTheSameFeedAreRefused() throws {
        let dir = try temporaryDirectory()
        let mask = dir.appendingPathComponent("mask.npy").path
        try NPY.write(Tensor(shape: [1, 2], scalars: [Int64(1), 1]), path: mask)
        let result = try onnxpatch(["run", Self.llamaKV, "--prompt", "hi", "--tokenizer", Self.llamaTokenizer,
                                    "--input", "attention_mask=\(mask)", "--out", dir.appendingPathComponent("out").path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: --input 'attention_mask' and the prompt both give 'attention_mask'"))
    }

    @Test func sweepTakesCleanAndCorruptedPrompts() throws {
        let tokenizer = try Tokenizer(path: Self.llamaTokenizer)
        let clean = "the file is open", corrupt = "the file is closed"
        let ids = (tokenizer.encode(clean), tokenizer.encode(corrupt))
        try #require(ids.0.count == ids.1.count && ids.0 != ids.1)
        let dir = try temporaryDirectory().appendingPathComponent("sweep")
        let result = try onnxpatch(["sweep", Self.llamaKV, "--clean-prompt", clean, "--corrupt-prompt", corrupt,
                                    "--tokenizer", Self.llamaTokenizer, "--target", "input_ids", "--metric", "kl",
                                    "--out", dir.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Record: Decodable {
            struct Tokens: Decodable { var clean: [String]; var corrupt: [String] }
            var positions: [Int]
            var tokens: Tokens?
        }
        let record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: dir.appendingPathComponent("sweep.json")))
        #expect(record.positions == Array(0..<ids.0.count))
        #expect(record.tokens?.clean == ids.0.map { tokenizer.decode([$0]) })
        #expect(record.tokens?.corrupt == ids.1.map { tokenizer.decode([$0]) })

        let missing = try onnxpatch(["sweep", Self.llamaKV, "--clean-prompt", clean, "--corrupt-prompt", corrupt,
                                     "--target", "input_ids", "--metric", "kl", "--out", dir.path + "-2"])
        #expect(missing.status == 2 && missing.stderr.contains("need --tokenizer"))
    }
}
