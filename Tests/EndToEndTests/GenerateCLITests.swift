import Foundation
import ONNXPatch
import Testing

/// `onnxpatch generate` and `onnxpatch tokenize` run as a binary, against the torch references
/// of Fixtures/generation/references.json, and their bad-input errors.
@Suite struct GenerateCLITests {
    static func reference(_ name: String) throws -> GenerateTests.Case {
        try #require(GenerateTests.cases.first { $0.name == name }, "no reference case '\(name)'")
    }

    static func path(_ relative: String) -> String { Repo.fixtures.appendingPathComponent(relative).path }

    struct Report: Decodable {
        struct Candidate: Decodable { var id: Int; var token: String?; var probability: Double }
        struct Step: Decodable { var position: Int; var id: Int; var token: String?; var positions_run: Int; var top_k: [Candidate] }
        struct Settings: Decodable { var kind: String; var temperature: Double?; var top_k: Int?; var seed: UInt64? }
        var mode: String
        var decoding: Settings
        var prompt_ids: [Int]
        var ids: [Int]
        var tokens: [String]?
        var text: String?
        var stop: String
        var steps: [Step]
    }

    static func generate(_ arguments: [String]) throws -> Report {
        let result = try onnxpatch(["generate"] + arguments + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    @Test func textPromptWithCacheEqualsTorch() throws {
        let c = try Self.reference("gpt2-kv text 1")
        let report = try Self.generate([Self.path(c.model), "--prompt", try #require(c.prompt),
                                        "--tokenizer", Self.path(try #require(c.tokenizer)), "--max-new-tokens", "\(c.max_new_tokens)"])
        #expect(report.mode == "cache")
        #expect(report.prompt_ids == c.prompt_ids)
        #expect(report.ids == c.expected_ids)
        #expect(report.stop == "max_new_tokens")
        #expect(report.steps.map(\.id) == c.expected_ids)
        #expect(report.steps.first?.positions_run == c.prompt_ids.count && report.steps.dropFirst().allSatisfy { $0.positions_run == 1 })
        #expect(report.steps.allSatisfy { $0.top_k.count == 5 && $0.top_k[0].id == $0.id && $0.top_k[0].token != nil })
        let tokenizer = try Tokenizer(path: Self.path(try #require(c.tokenizer)))
        #expect(report.tokens == c.expected_ids.map { tokenizer.decode([$0]) })
        #expect(report.text.map { tokenizer.decode(c.prompt_ids) + $0 }?.unicodeScalars
            .elementsEqual(tokenizer.decode(c.prompt_ids + c.expected_ids).unicodeScalars) == true)
    }

    @Test func idPromptWithoutCacheEqualsTorch() throws {
        let c = try Self.reference("llama-dynamo greedy")
        let dir = try temporaryDirectory()
        let ids = dir.appendingPathComponent("ids.npy").path
        try NPY.write(Tensor(shape: [1, c.prompt_ids.count], scalars: c.prompt_ids.map(Int64.init)), path: ids)
        let report = try Self.generate([Self.path(c.model), "--input", "input_ids=\(ids)", "--max-new-tokens", "\(c.max_new_tokens)"])
        #expect(report.mode == "recompute")
        #expect(report.ids == c.expected_ids)
        #expect(report.tokens == nil)
        #expect(report.steps.map(\.positions_run) == Array(c.prompt_ids.count..<c.prompt_ids.count + c.max_new_tokens))
    }

    @Test func patchEosAndSamplingFlagsEqualReferences() throws {
        let patched = try Self.reference("llama-kv zero patch")
        let ids = patched.prompt_ids.map(String.init)
        func idsFile() throws -> String {
            let path = try temporaryDirectory().appendingPathComponent("ids.npy").path
            try NPY.write(Tensor(shape: [1, ids.count], scalars: patched.prompt_ids.map(Int64.init)), path: path)
            return path
        }
        let model = Self.path(patched.model)
        let file = try idsFile()
        let p = try Self.generate([model, "--input", "input_ids=\(file)", "--max-new-tokens", "16", "--patch", try #require(patched.patch)])
        #expect(p.ids == patched.expected_ids)
        #expect(!p.ids.contains(try #require(patched.forbidden)))

        let eos = try Self.reference("llama-kv eos")
        let e = try Self.generate([model, "--input", "input_ids=\(file)", "--max-new-tokens", "16", "--eos", "\(try #require(eos.eos?.first))"])
        #expect(e.ids == eos.expected_ids && e.stop == "eos")

        let sampled = try Self.reference("llama-kv sample t=0.7 k=20 seed=42")
        let s = try Self.generate([model, "--input", "input_ids=\(file)", "--max-new-tokens", "16",
                                   "--temperature", "0.7", "--top-k", "20", "--seed", "42"])
        #expect(s.ids == sampled.expected_ids)
        #expect(s.decoding.kind == "sampling" && s.decoding.temperature == 0.7 && s.decoding.top_k == 20 && s.decoding.seed == 42)
        #expect(p.decoding.kind == "greedy" && p.decoding.seed == nil)
        let recomputed = try Self.generate([model, "--input", "input_ids=\(file)", "--max-new-tokens", "16",
                                            "--temperature", "0.7", "--top-k", "20", "--seed", "42", "--recompute"])
        #expect(recomputed.mode == "recompute" && recomputed.ids == sampled.expected_ids)
    }

    @Test func textOutputStreamsPromptAndGeneration() throws {
        let c = try Self.reference("qwen2-kv text 0")
        let result = try onnxpatch(["generate", Self.path(c.model), "--prompt", try #require(c.prompt),
                                    "--tokenizer", Self.path(try #require(c.tokenizer)), "--max-new-tokens", "\(c.max_new_tokens)"])
        #expect(result.status == 0)
        // Printed with special tokens (none of qwen2's occur here, so this is torch's text too).
        let tokenizer = try Tokenizer(path: Self.path(try #require(c.tokenizer)))
        #expect(!(c.prompt_ids + c.expected_ids).contains(where: tokenizer.isSpecial))
        #expect(result.stdout.unicodeScalars.elementsEqual(((c.expected_text ?? "") + "\n").unicodeScalars))
        #expect(result.stderr.contains("generated 16 tokens") && result.stderr.contains("cache mode"))
    }

    @Test func tokenizeEncodesAndDecodes() throws {
        let tokenizer = Self.path("tokenizers/llama2/tokenizer.json")
        let expected = try Tokenizer(path: tokenizer).encode("Hello, world! 日本語")
        let encoded = try onnxpatch(["tokenize", "Hello, world! 日本語", "--tokenizer", tokenizer])
        #expect(encoded.status == 0)
        #expect(encoded.stdout.split(separator: "\n").first.map(String.init) == expected.map(String.init).joined(separator: " "))
        #expect(expected.first == 1)  // the BOS of the template
        let decoded = try onnxpatch(["tokenize", "--tokenizer", tokenizer, "--decode"] + expected.map(String.init) + ["--skip-special-tokens"])
        #expect(decoded.status == 0 && decoded.stdout == "Hello, world! 日本語\n")
    }

    @Test func runAndDiffTakePrompts() throws {
        let c = try Self.reference("gptneox-kv text 0")
        let dir = try temporaryDirectory()
        let prompt = try #require(c.prompt), tokenizer = Self.path(try #require(c.tokenizer))
        let run = try onnxpatch(["run", Self.path(c.model), "--prompt", prompt, "--tokenizer", tokenizer, "--out", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let logits = try NPY.read(path: dir.appendingPathComponent("logits.npy").path)
        #expect(logits.shape == [1, c.prompt_ids.count, 515])
        // The greedy choice after the prompt is torch's first generated token.
        let row = Array(try logits.doubleValues().suffix(515))
        #expect(row.indices.max { row[$0] < row[$1] } == c.expected_ids.first)

        let first = try #require(c.expected_ids.first)
        let diff = try onnxpatch(["diff", Self.path(c.model), "--prompt", prompt, "--tokenizer", tokenizer,
                                  "--patch", "logits[..., \(first)]=add:-1000"])
        #expect(diff.status == 0, "\(diff.stderr)")
        let label = "\(first) '" + (try Tokenizer(path: tokenizer)).displayText(first) + "' p="
        #expect(diff.stdout.contains(label), "\(diff.stdout)")
        let json = try onnxpatch(["diff", Self.path(c.model), "--prompt", prompt, "--tokenizer", tokenizer,
                                  "--patch", "logits[..., \(first)]=add:-1000", "--json"])
        struct DiffReport: Decodable { var tokens: [String: String] }
        let tokens = try JSONDecoder().decode(DiffReport.self, from: Data(json.stdout.utf8)).tokens
        #expect(tokens["\(first)"] == (try Tokenizer(path: tokenizer)).decode([first]))
    }
}

/// Bad input to `generate`, `tokenize` and `--prompt`: one `error:` line naming the culprit,
/// before any token is generated.
@Suite struct GenerateBadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var make: @Sendable (URL) throws -> (arguments: [String], expected: String, status: Int32)
    }

    static var gpt2KV: String { GenerateCLITests.path("generation/gpt2-kv/model.onnx") }
    static var gpt2Tokenizer: String { GenerateCLITests.path("tokenizers/gpt2/tokenizer.json") }
    static var gpt2: String { GenerateCLITests.path("models/gpt2-dynamo/model.onnx") }

    static func tokenizerFile(_ json: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent("tokenizer.json")
        try Data(json.utf8).write(to: url)
        return url.path
    }

    static func ids(_ values: [Int64], shape: [Int]? = nil, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("ids-\(UUID().uuidString).npy").path
        try NPY.write(Tensor(shape: shape ?? [1, values.count], scalars: values), path: path)
        return path
    }

    static let minimalModel = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#

    static let cases: [Case] = [
        Case(description: "tokenizer of an unsupported kind") { dir in
            let file = try tokenizerFile(#"{"model": {"type": "WordPiece", "vocab": {"a": 0}}}"#, in: dir)
            return (["generate", gpt2KV, "--prompt", "a", "--tokenizer", file, "--max-new-tokens", "2"], "model 'WordPiece' is not supported", 1)
        },
        Case(description: "tokenizer with an unsupported normalizer") { dir in
            let file = try tokenizerFile(#"{"normalizer": {"type": "BertNormalizer"}, "model": \#(minimalModel)}"#, in: dir)
            return (["generate", gpt2KV, "--prompt", "a", "--tokenizer", file, "--max-new-tokens", "2"], "normalizer 'BertNormalizer' is not supported", 1)
        },
        Case(description: "malformed tokenizer file") { dir in
            let file = try tokenizerFile(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [}"#, in: dir)
            return (["generate", gpt2KV, "--prompt", "a", "--tokenizer", file, "--max-new-tokens", "2"], "not valid JSON", 1)
        },
        Case(description: "prompt longer than the position table") { _ in
            let long = String(repeating: "the cat sat on the mat ", count: 20)
            return (["generate", gpt2KV, "--prompt", long, "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "2"],
                    "but the model's position table", 1)
        },
        Case(description: "max new tokens beyond the position table") { _ in
            (["generate", gpt2KV, "--prompt", "The quick brown fox", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "100"],
             "use at most", 1)
        },
        Case(description: "cache input with a symbolic number of heads") { dir in
            (["generate", GenerateCLITests.path("generation/bad/symbolic-heads.onnx"), "--input", "input_ids=\(try ids([1, 2], in: dir))",
              "--max-new-tokens", "2"], "cache input 'past_key_values.0.key' has shape [batch, heads, past_sequence, 8]", 1)
        },
        Case(description: "static cache") { dir in
            (["generate", GenerateCLITests.path("generation/bad/static-cache.onnx"), "--input", "input_ids=\(try ids([1, 2], in: dir))",
              "--max-new-tokens", "2"], "the sequence axis is fixed at 16", 1)
        },
        Case(description: "patch that fits only the prompt step with a cache") { _ in
            (["generate", gpt2KV, "--prompt", "The quick brown fox", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "4",
              "--patch", "input_ids[:, 3]=zero"], "every step after the prompt runs 1 new position", 1)
        },
        Case(description: "patch index beyond the prompt without a cache") { dir in
            (["generate", gpt2, "--input", "input_ids=\(try ids([1, 2, 3], in: dir))", "--max-new-tokens", "4",
              "--patch", "input_ids[:, 5]=zero"], "generation failed at the prompt step (3 positions)", 1)
        },
        Case(description: "unknown patch target") { dir in
            (["generate", gpt2, "--input", "input_ids=\(try ids([1, 2, 3], in: dir))", "--max-new-tokens", "4",
              "--patch", "no_such_node=zero"], "no node, value, input or initializer named 'no_such_node'", 1)
        },
        Case(description: "prompt id outside the vocabulary") { dir in
            (["generate", gpt2, "--input", "input_ids=\(try ids([1, 600], in: dir))", "--max-new-tokens", "2"],
             "prompt token id 600 is outside the model's vocabulary of 128", 1)
        },
        Case(description: "tokenizer larger than the model's vocabulary") { _ in
            (["run", gpt2, "--prompt", "日本語", "--tokenizer", gpt2Tokenizer, "--out", "/tmp/unused-onnxpatch-out"],
             "outside the model's vocabulary of 128", 1)
        },
        Case(description: "eos outside the vocabulary") { dir in
            (["generate", gpt2, "--input", "input_ids=\(try ids([1, 2], in: dir))", "--max-new-tokens", "2", "--eos", "99999"],
             "eos id 99999 is outside the model's vocabulary of 128", 1)
        },
        Case(description: "eos token unknown to the tokenizer") { _ in
            (["generate", gpt2KV, "--prompt", "a", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "2", "--eos", "<nope>"],
             "--eos '<nope>': no such token", 2)
        },
        Case(description: "batch of two prompts") { dir in
            (["generate", gpt2, "--input", "input_ids=\(try ids([1, 2, 3, 4], shape: [2, 2], in: dir))", "--max-new-tokens", "2"],
             "shape [1, sequence] (one prompt)", 1)
        },
        Case(description: "prompt that encodes to no tokens") { _ in
            (["generate", gpt2KV, "--prompt", "", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "2"], "the prompt has no tokens", 1)
        },
        Case(description: "no prompt") { _ in
            (["generate", gpt2, "--max-new-tokens", "2"], "generate needs a prompt", 2)
        },
        Case(description: "prompt and input_ids both") { dir in
            (["generate", gpt2KV, "--prompt", "a", "--tokenizer", gpt2Tokenizer, "--input", "input_ids=\(try ids([1], in: dir))",
              "--max-new-tokens", "2"], "--input 'input_ids' and --prompt both give 'input_ids'", 2)
        },
        Case(description: "prompt without tokenizer") { _ in
            (["generate", gpt2KV, "--prompt", "a", "--max-new-tokens", "2"], "--prompt needs --tokenizer", 2)
        },
        Case(description: "zero new tokens") { _ in
            (["generate", gpt2KV, "--prompt", "a", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "0"], "--max-new-tokens must be at least 1", 2)
        },
        Case(description: "seed without sampling") { _ in
            (["generate", gpt2KV, "--prompt", "a", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "2", "--seed", "3"],
             "--seed applies to sampling", 2)
        },
        Case(description: "non-positive temperature") { _ in
            (["generate", gpt2KV, "--prompt", "a", "--tokenizer", gpt2Tokenizer, "--max-new-tokens", "2", "--temperature", "0"],
             "--temperature must be a positive number", 2)
        },
        Case(description: "tokenize an unknown id") { _ in
            (["tokenize", "--tokenizer", gpt2Tokenizer, "--decode", "1", "70000"], "id 70000 is not in", 1)
        },
    ]

    @Test(arguments: cases)
    func failsWithOneLine(_ c: Case) throws {
        let dir = try temporaryDirectory()
        let (arguments, expected, status) = try c.make(dir)
        let result = try onnxpatch(arguments)
        #expect(!result.signaled)
        #expect(result.status == status, "\(c): status \(result.status), stderr \(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1 && lines.first?.hasPrefix("error: ") == true, "\(c): \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(c): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(c): printed before failing: \(result.stdout)")
    }
}
