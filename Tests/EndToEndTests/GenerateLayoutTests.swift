import Foundation
@testable import ONNXPatch
import Testing

/// How generate reads a graph: cache pairs by name and declared shape, position tables and
/// vocabulary, on hand-built graphs and on the fixtures.
@Suite struct GenerateLayoutTests {
    /// A graph with `input_ids`, the given extra inputs and outputs (names and shapes), wired
    /// with Identity nodes; the layout only reads declarations.
    static func graph(inputs: [(String, [Dim]?)], outputs: [(String, [Dim]?)]) -> Graph {
        var g = Graph()
        let ids = g.addValue(ValueInfo(name: "input_ids", dtype: .int64, shape: [.symbolic("batch"), .symbolic("sequence")]))
        g.inputs = [ids]
        for (name, shape) in inputs { g.inputs.append(g.addValue(ValueInfo(name: name, dtype: .float32, shape: shape))) }
        let logits = g.addValue(ValueInfo(name: "logits", dtype: .float32, shape: [.symbolic("batch"), .symbolic("sequence"), .known(10)]))
        g.outputs = [logits]
        for (name, shape) in outputs { g.outputs.append(g.addValue(ValueInfo(name: name, dtype: .float32, shape: shape))) }
        return g
    }

    static let cache: [Dim] = [.symbolic("batch"), .known(2), .symbolic("past"), .known(4)]

    static func error(_ graph: Graph) -> String {
        do {
            _ = try GenerationLayout(graph: graph)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        ("past_key_values.0.key", "present.0.key", true), ("past.3.value", "present.3.value", false),
        ("past_key_values_1_k", "present_1_k", true), ("past_key_value.0.1", "present_key_value.0.1", false),
    ])
    func cacheNamesPair(input: String, output: String, isKey: Bool) throws {
        let layout = try GenerationLayout(graph: Self.graph(inputs: [(input, Self.cache)], outputs: [(output, Self.cache)]))
        #expect(layout.cache.count == 1)
        #expect(layout.cache.first?.input == input && layout.cache.first?.output == output)
        #expect(layout.cache.first?.isKey == isKey && layout.cache.first?.heads == 2 && layout.cache.first?.headSize == 4)
        #expect(layout.vocabularySize == 10)
    }

    @Test(arguments: [
        ([("past_key_values.0.key", cache)], [], "cache input 'past_key_values.0.key' has no matching output"),
        ([], [("present.0.key", cache)], "cache output 'present.0.key' has no matching input"),
        ([("past_key_values.0.key", [Dim.symbolic("batch"), .symbolic("heads"), .symbolic("past"), .known(4)])], [("present.0.key", cache)],
         "has shape [batch, heads, past, 4]; expected [batch, heads, past_sequence, head_size]"),
        ([("past_key_values.0.key", [Dim.symbolic("batch"), .known(2), .known(8), .known(4)])], [("present.0.key", cache)],
         "the sequence axis is fixed at 8"),
        ([("past_key_values.0.key", [Dim.known(2), .known(2), .symbolic("past"), .known(4)])], [("present.0.key", cache)],
         "a fixed batch of 2"),
        ([("past_key_values.0.key", nil)], [("present.0.key", cache)], "declares no shape"),
        ([("past_key_values.0.key", [Dim.symbolic("batch"), .known(2), .symbolic("past")])], [("present.0.key", cache)], "has shape [batch, 2, past]"),
        ([("past_key_values.0.key", cache)], [("present.0.key", [Dim.symbolic("batch"), .known(3), .symbolic("total"), .known(4)])],
         "cache output 'present.0.key' has shape [batch, 3, total, 4], which does not match"),
        ([("past_kv_0", cache)], [], "looks like a cache input"),
        ([("token_type_ids", [Dim.symbolic("batch"), .symbolic("sequence")])], [], "input 'token_type_ids' is not one generate can feed"),
    ] as [([(String, [Dim]?)], [(String, [Dim]?)], String)])
    func unexpectedCacheDeclarationsAreRefused(inputs: [(String, [Dim]?)], outputs: [(String, [Dim]?)], expected: String) {
        let message = Self.error(Self.graph(inputs: inputs, outputs: outputs))
        #expect(message.contains(expected), "\(message)")
    }

    @Test func positionTablesAndVocabularyFromFixtures() throws {
        let gpt2 = try PatchableGraph(path: Repo.models.appendingPathComponent("gpt2-dynamo/model.onnx").path).generationLayout()
        #expect(gpt2.positionTable?.rows == 64)
        #expect(gpt2.vocabularySize == 128)
        #expect(!gpt2.hasCache && gpt2.attentionMask != nil && gpt2.positionIDs == nil)
        let legacy = try PatchableGraph(path: Repo.models.appendingPathComponent("gpt2-legacy/model.onnx").path).generationLayout()
        #expect(legacy.positionTable?.rows == 64)
        // Rotary models index no table by position.
        let llama = try PatchableGraph(path: Repo.models.appendingPathComponent("llama-dynamo/model.onnx").path).generationLayout()
        #expect(llama.positionTable == nil && llama.vocabularySize == 128)
        let kv = try PatchableGraph(path: Repo.fixtures.appendingPathComponent("generation/llama-kv/model.onnx").path).generationLayout()
        #expect(kv.cache.map(\.input) == ["past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"])
        #expect(kv.cache.map(\.output) == ["present.0.key", "present.0.value", "present.1.key", "present.1.value"])
        #expect(kv.cache.allSatisfy { $0.heads == 2 && $0.headSize == 8 })
        #expect(kv.positionIDs != nil && kv.vocabularySize == 768)
        let gpt2KV = try PatchableGraph(path: Repo.fixtures.appendingPathComponent("generation/gpt2-kv/model.onnx").path).generationLayout()
        #expect(gpt2KV.positionTable?.rows == 64 && gpt2KV.positionIDs == nil && gpt2KV.cache.count == 4)
    }

    @Test func encoderWithoutLogitsStillTakesPrompts() throws {
        // BERT has token_type_ids, which generate cannot feed; prompt feeds still give ids and mask.
        let bert = try PatchableGraph(path: Repo.models.appendingPathComponent("bert-dynamo/model.onnx").path)
        #expect(throws: ONNXPatchError.self) { try bert.generationLayout() }
        let feeds = try bert.promptFeeds(ids: [1, 2, 3])
        #expect(Set(feeds.keys) == ["input_ids", "attention_mask"])
        #expect(try feeds["attention_mask"]?.intValues() == [1, 1, 1])
        #expect(throws: ONNXPatchError.self) { try bert.promptFeeds(ids: [1, 500]) }
    }

    @Test func greedyAndTopKRanking() {
        var chooser = TokenChooser(.greedy)
        #expect(chooser.choose([0.5, 2, 2, -1]) == 1)  // ties go to the lower id
        #expect(TokenChooser.ranked([0.5, 2, 2, -1, 3], limit: 3) == [4, 1, 2])
        #expect(TokenChooser.ranked([0.5, 2, 2, -1, 3], limit: 0) == [4, 1, 2, 0, 3])
        let top = PatchableGraph.top([0, 0, Foundation.log(3.0)], 2)
        #expect(top.map(\.id) == [2, 0])
        #expect(abs(top[0].probability - 0.6) < 1e-12 && abs(top[1].probability - 0.2) < 1e-12)
    }
}
