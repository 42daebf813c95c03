@_exported import Tokenizers

extension PatchableGraph {
    /// The feeds for a text prompt: `input_ids` `[1, n]` from `tokenizer`, and, when the graph has
    /// such inputs, `attention_mask` (ones), `position_ids` (0…n−1) and an empty KV cache.
    ///
    /// ```swift
    /// let tokenizer = try Tokenizer(path: "tokenizer.json")
    /// let result = try model.run(try model.promptFeeds("The Eiffel Tower is in", tokenizer: tokenizer), patches: [])
    /// ```
    ///
    /// - Throws: ``ONNXPatchError/input(_:)`` when the prompt is empty, holds ids outside the
    ///   model's vocabulary or is longer than its position table.
    public func promptFeeds(_ text: String, tokenizer: Tokenizer) throws(ONNXPatchError) -> [String: Tensor] {
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { throw .input("the prompt encodes to no tokens") }
        return try promptFeeds(ids: ids)
    }

    /// The feeds for a prompt given as token ids (see ``promptFeeds(_:tokenizer:)``).
    public func promptFeeds(ids: [Int]) throws(ONNXPatchError) -> [String: Tensor] {
        let layout = try promptLayout()
        if let vocabulary = layout.vocabularySize, let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw .input("prompt token id \(bad) is outside the model's vocabulary of \(vocabulary)")
        }
        if let table = layout.positionTable, ids.count > table.rows {
            throw .input("the prompt is \(ids.count) tokens, but the model's position table ('\(table.initializer)', "
                         + "read by node '\(table.node)') has \(table.rows) rows")
        }
        return try Self.feeds(chunk: ids, start: 0, past: nil, layout: layout)
    }

    /// The layout for prompt feeds. Unlike generation, a graph with inputs generate does not
    /// know still gets its ids, mask and positions (the caller gives the rest with other feeds).
    func promptLayout() throws(ONNXPatchError) -> GenerationLayout {
        do {
            return try generationLayout()
        } catch {
            guard graph.inputs.contains(where: { graph.values[$0.index].name == "input_ids" }) else { throw error }
            var trimmed = graph
            trimmed.inputs = graph.inputs.filter {
                ["input_ids", "attention_mask", "position_ids"].contains(graph.values[$0.index].name)
            }
            trimmed.outputs = graph.outputs.filter { graph.values[$0.index].name == "logits" } + graph.outputs.prefix(1)
            var layout = try GenerationLayout(graph: trimmed)
            // Limits come from the whole graph, where the other inputs' tables are told apart.
            let tables = GenerationLayout.gatherTables(graph, idsInput: layout.inputIDs.name)
            layout.positionTable = tables.positions.min { $0.rows < $1.rows }
            layout.vocabularySize = tables.embeddingRows
            return layout
        }
    }
}
