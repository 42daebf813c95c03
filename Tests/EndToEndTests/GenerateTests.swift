import Foundation
@testable import ONNXPatch
import Testing

/// Generation through the library against torch's `generate(do_sample=False)` (and, for
/// sampling, the documented rule run on onnxruntime's logits), as written by
/// tools/make-generation-fixtures.py into Fixtures/generation/references.json.
@Suite struct GenerateTests {
    struct Case: Decodable, CustomStringConvertible, Sendable {
        var name: String
        var model: String
        var tokenizer: String?
        var prompt: String?
        var prompt_ids: [Int]
        var max_new_tokens: Int
        var expected_ids: [Int]
        var expected_text: String?
        var patch: String?
        var forbidden: Int?
        var eos: [Int]?
        var temperature: Double?
        var top_k: Int?
        var seed: UInt64?

        var description: String { name }
        var modelPath: String { Repo.fixtures.appendingPathComponent(model).path }
        var isKV: Bool { model.hasPrefix("generation/") }

        var options: GenerationOptions {
            var decoding = Decoding.greedy
            if let temperature { decoding = .sampling(temperature: temperature, topK: top_k ?? 0, seed: seed ?? 0) }
            return GenerationOptions(maxNewTokens: max_new_tokens, decoding: decoding, eos: eos ?? [])
        }
    }

    struct References: Decodable { var cases: [Case] }

    static let cases: [Case] = {
        let url = Repo.fixtures.appendingPathComponent("generation/references.json")
        guard let data = try? Data(contentsOf: url), let refs = try? JSONDecoder().decode(References.self, from: data) else { return [] }
        return refs.cases
    }()

    static func model(_ path: String) throws -> PatchableGraph { try PatchableGraph(path: path) }

    @Test func referencesCoverEveryCausalFixtureBothModes() {
        let models = Set(Self.cases.map(\.model))
        for name in ["gpt2-dynamo", "gpt2-legacy", "llama-dynamo", "gptneox-dynamo", "qwen2-dynamo"] {
            #expect(models.contains("models/\(name)/model.onnx"), "no reference for \(name)")
        }
        for name in ["gpt2", "llama", "gptneox", "qwen2"] {
            #expect(models.contains("generation/\(name)-kv/model.onnx"), "no reference for \(name)-kv")
        }
        #expect(Self.cases.contains { $0.temperature != nil } && Self.cases.contains { $0.patch != nil })
    }

    @Test(arguments: cases)
    func generationEqualsReference(_ c: Case) throws {
        let model = try Self.model(c.modelPath)
        let patches = try c.patch.map { [try Patch($0)] } ?? []
        let out = try model.generate(prompt: c.prompt_ids, patches: patches, options: c.options)
        #expect(out.mode == (c.isKV ? .cache : .recompute))
        #expect(out.ids == c.expected_ids, "\(c.name): got \(out.ids), torch \(c.expected_ids)")
        #expect(out.promptIDs == c.prompt_ids)
        #expect(out.steps.map(\.position) == Array(c.prompt_ids.count..<c.prompt_ids.count + out.ids.count))
        if let forbidden = c.forbidden { #expect(!out.ids.contains(forbidden)) }
        if let eos = c.eos {
            #expect(out.stoppedAt == out.ids.last && eos.contains(out.ids.last ?? -1))
        } else {
            #expect(out.stoppedAt == nil && out.ids.count == c.max_new_tokens)
        }
        for step in out.steps {
            #expect(step.positionsRun == (c.isKV && step.position > c.prompt_ids.count ? 1 : step.position))
            #expect(step.top.count == 5)
            if c.temperature == nil && c.patch == nil { #expect(step.top.first?.id == step.id) }
        }
    }

    /// A KV-cache export run without its cache (whole sequence, empty cache each step) gives the
    /// same tokens as with it.
    @Test(arguments: cases.filter(\.isKV))
    func recomputeModeMatchesCacheMode(_ c: Case) throws {
        let model = try Self.model(c.modelPath)
        let patches = try c.patch.map { [try Patch($0)] } ?? []
        var options = c.options
        options.useCache = false
        let out = try model.generate(prompt: c.prompt_ids, patches: patches, options: options)
        #expect(out.mode == .recompute)
        #expect(out.ids == c.expected_ids)
        #expect(out.steps.allSatisfy { $0.positionsRun == $0.position })
    }

    /// Text prompts: our tokenizer gives torch's prompt ids, and decodes the result as `tokenizers` does.
    @Test(arguments: cases.filter { $0.prompt != nil })
    func textPromptsThroughTokenizer(_ c: Case) throws {
        let tokenizer = try Tokenizer(path: Repo.fixtures.appendingPathComponent(try #require(c.tokenizer)).path)
        #expect(tokenizer.encode(try #require(c.prompt)) == c.prompt_ids)
        let model = try Self.model(c.modelPath)
        let feeds = try model.promptFeeds(try #require(c.prompt), tokenizer: tokenizer)
        #expect(try feeds["input_ids"]?.intValues() == c.prompt_ids)
        #expect(feeds["past_key_values.0.key"]?.shape.count == 4 && feeds["past_key_values.0.key"]?.shape[2] == 0)
        let out = try model.generate(prompt: c.prompt_ids, options: c.options)
        // The reference decodes as `tokenizers`' Python default does: without special tokens.
        let text = tokenizer.decode(c.prompt_ids + out.ids, skipSpecialTokens: true)
        #expect(text.unicodeScalars.elementsEqual((c.expected_text ?? "").unicodeScalars))
    }

    /// With -inf added to the greedy choice's logit at every step, that token never appears and the
    /// model still produces max_new_tokens tokens.
    @Test func forbiddingTheFavouriteTokenRemovesIt() throws {
        let c = try #require(Self.cases.first { $0.name == "gpt2-kv text 0" })
        let model = try Self.model(c.modelPath)
        let favourite = try #require(c.expected_ids.first)
        for useCache in [true, false] {
            let out = try model.generate(prompt: c.prompt_ids, patches: [try Patch("logits[..., \(favourite)]=add:-inf")],
                                         options: GenerationOptions(maxNewTokens: 16, useCache: useCache))
            #expect(!out.ids.contains(favourite))
            #expect(out.ids.count == 16)
            #expect(out.steps.allSatisfy { step in step.top.allSatisfy { $0.id != favourite } })
        }
    }

    @Test func samplingIsReproducibleFromTheSeed() throws {
        let c = try #require(Self.cases.first { $0.isKV })
        let model = try Self.model(c.modelPath)
        func sample(_ seed: UInt64) throws -> [Int] {
            try model.generate(prompt: c.prompt_ids, options: GenerationOptions(
                maxNewTokens: 12, decoding: .sampling(temperature: 1.5, topK: 0, seed: seed))).ids
        }
        let first = try sample(7)
        #expect(try sample(7) == first)
        // Different seeds give different draws for at least one of a few seeds (12 tokens at T=1.5).
        #expect(try [8, 9, 10].map(sample).contains { $0 != first })
    }

    @Test func sampledTokensStayWithinTopK() throws {
        let c = try #require(Self.cases.first { $0.isKV })
        let model = try Self.model(c.modelPath)
        let out = try model.generate(prompt: c.prompt_ids, options: GenerationOptions(
            maxNewTokens: 12, decoding: .sampling(temperature: 5, topK: 3, seed: 1), recordTop: 3))
        for step in out.steps { #expect(step.top.map(\.id).contains(step.id)) }
    }
}

/// The sampling rule's generator: SplitMix64's published outputs (Vigna's splitmix64.c, seed 1234567).
@Suite struct SplitMixTests {
    @Test func knownSequence() throws {
        var g = SplitMix64(state: 1_234_567)
        #expect(g.next() == 6_457_827_717_110_365_317)
        #expect(g.next() == 3_203_168_211_198_807_973)
        #expect(g.next() == 9_817_491_932_198_370_423)
    }
}
