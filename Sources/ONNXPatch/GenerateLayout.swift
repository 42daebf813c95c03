/// How a causal LM export is fed during generation, read from its graph once: which inputs carry
/// token ids, the attention mask and positions, which input/output pairs carry a KV cache, and
/// the limits (positions, vocabulary) the graph itself declares.
///
/// Cache pairs are found by name — inputs `past_key_values.N.key|value` (also `past.N.…`,
/// `past_key_value.N.…`, kinds `k|v|0|1`, `_` separators) with outputs `present.N.key|value` —
/// and checked by declared shape: `[batch, heads, past_sequence, head_size]` with known heads
/// and head size and a growing sequence axis.
public struct GenerationLayout: Sendable {
    public struct Input: Sendable {
        public var name: String
        public var dtype: DType
    }

    /// One cache tensor: the input fed with the previous step's output.
    public struct CachePair: Sendable {
        public var input: String
        public var output: String
        public var layer: Int
        public var isKey: Bool
        public var heads: Int
        public var headSize: Int
        public var dtype: DType
    }

    /// A table indexed by position (a learned position embedding): its rows bound the sequence.
    public struct PositionTable: Sendable {
        public var node: String
        public var initializer: String
        public var rows: Int
    }

    public var inputIDs: Input
    public var attentionMask: Input?
    public var positionIDs: Input?
    public var logits: String
    public var cache: [CachePair]
    public var positionTable: PositionTable?
    /// From the logits' declared last axis, else the token embedding's rows.
    public var vocabularySize: Int?

    public var hasCache: Bool { !cache.isEmpty }

    /// Reads the layout of `graph`, refusing graphs generate cannot drive.
    public init(graph: Graph) throws(ONNXPatchError) {
        var byName: [String: ValueInfo] = [:]
        for v in graph.inputs { byName[graph.values[v.index].name] = graph.values[v.index] }
        func integerInput(_ name: String) throws(ONNXPatchError) -> Input? {
            guard let info = byName[name] else { return nil }
            let dtype = info.dtype ?? .int64
            guard dtype == .int64 || dtype == .int32 else {
                throw .input("input '\(name)' is \(dtype); generate feeds int64 or int32 ids, masks and positions")
            }
            if let shape = info.shape, shape.count != 2 {
                throw .input("input '\(name)' has rank \(shape.count); generate feeds [batch, sequence]")
            }
            return Input(name: name, dtype: dtype)
        }
        guard let ids = try integerInput("input_ids") else {
            throw .input("the model has no input 'input_ids' (inputs: \(byName.keys.sorted().joined(separator: ", ")))")
        }
        inputIDs = ids
        attentionMask = try integerInput("attention_mask")
        positionIDs = try integerInput("position_ids")

        let outputNames = graph.outputs.map { graph.values[$0.index].name }
        if outputNames.contains("logits") {
            logits = "logits"
        } else if let first = graph.outputs.first, graph.values[first.index].shape?.count ?? 3 == 3 {
            logits = graph.values[first.index].name
        } else {
            throw .input("the model has no output 'logits' and its first output is not [batch, sequence, vocabulary]")
        }

        var cache: [CachePair] = []
        var outputsByKey: [String: ValueInfo] = [:]
        for v in graph.outputs {
            let info = graph.values[v.index]
            if let key = Self.cacheKey(info.name, prefixes: Self.outputPrefixes) { outputsByKey["\(key.layer).\(key.isKey)"] = info }
        }
        for (name, info) in byName.sorted(by: { $0.key < $1.key }) where ![ids.name, "attention_mask", "position_ids"].contains(name) {
            guard let key = Self.cacheKey(name, prefixes: Self.inputPrefixes) else {
                if name.hasPrefix("past") {
                    throw .input("input '\(name)' looks like a cache input but is not named past_key_values.N.key or past_key_values.N.value")
                }
                throw .input("input '\(name)' is not one generate can feed (input_ids, attention_mask, position_ids, past_key_values.N.key/value)")
            }
            guard let output = outputsByKey.removeValue(forKey: "\(key.layer).\(key.isKey)") else {
                throw .input("cache input '\(name)' has no matching output (such as 'present.\(key.layer).\(key.isKey ? "key" : "value")')")
            }
            cache.append(try Self.pair(input: info, output: output, layer: key.layer, isKey: key.isKey))
        }
        if let extra = outputsByKey.values.map(\.name).sorted().first {
            throw .input("cache output '\(extra)' has no matching input (such as 'past_key_values.…')")
        }
        self.cache = cache.sorted { ($0.layer, $0.isKey ? 0 : 1) < ($1.layer, $1.isKey ? 0 : 1) }

        let tables = Self.gatherTables(graph, idsInput: ids.name)
        positionTable = tables.positions.min { $0.rows < $1.rows }
        // A declared last axis counts only on an output named logits (a first output of another
        // name may be hidden states).
        if logits == "logits", let v = graph.outputs.first(where: { graph.values[$0.index].name == logits }),
           case .known(let n)? = graph.values[v.index].shape?.last {
            vocabularySize = n
        } else {
            vocabularySize = tables.embeddingRows
        }
    }

    static let inputPrefixes = ["past_key_values", "past_key_value", "past"]
    static let outputPrefixes = ["present_key_values", "present_key_value", "present"]

    /// (layer, key?) of `past_key_values.3.value`-style names.
    static func cacheKey(_ name: String, prefixes: [String]) -> (layer: Int, isKey: Bool)? {
        for prefix in prefixes where name.hasPrefix(prefix + ".") || name.hasPrefix(prefix + "_") {
            let rest = name.dropFirst(prefix.count + 1)
            let parts = rest.split(whereSeparator: { $0 == "." || $0 == "_" })
            guard parts.count == 2, let layer = Int(parts[0]), layer >= 0 else { return nil }
            switch parts[1] {
            case "key", "k", "0": return (layer, true)
            case "value", "v", "1": return (layer, false)
            default: return nil
            }
        }
        return nil
    }

    static func pair(input: ValueInfo, output: ValueInfo, layer: Int, isKey: Bool) throws(ONNXPatchError) -> CachePair {
        let expected = "expected [batch, heads, past_sequence, head_size] with known heads and head size"
        guard let shape = input.shape else { throw .input("cache input '\(input.name)' declares no shape; \(expected)") }
        let text = "[" + shape.map(\.description).joined(separator: ", ") + "]"
        guard shape.count == 4, case .known(let heads) = shape[1], case .known(let headSize) = shape[3], heads > 0, headSize > 0 else {
            throw .input("cache input '\(input.name)' has shape \(text); \(expected)")
        }
        if case .known(let batch) = shape[0], batch != 1 {
            throw .input("cache input '\(input.name)' has shape \(text): a fixed batch of \(batch); generate runs batch 1")
        }
        if case .known(let past) = shape[2] {
            throw .input("cache input '\(input.name)' has shape \(text): the sequence axis is fixed at \(past) (a static cache); generate needs it to grow")
        }
        let dtype = input.dtype ?? .float32
        guard dtype.isFloatingPoint else { throw .input("cache input '\(input.name)' is \(dtype); expected a floating-point cache") }
        if let outShape = output.shape {
            let outText = "[" + outShape.map(\.description).joined(separator: ", ") + "]"
            guard outShape.count == 4, outShape[1] == shape[1], outShape[3] == shape[3] else {
                throw .input("cache output '\(output.name)' has shape \(outText), which does not match input '\(input.name)' \(text)")
            }
        }
        if let outType = output.dtype, outType != dtype {
            throw .input("cache output '\(output.name)' is \(outType) but input '\(input.name)' is \(dtype)")
        }
        return CachePair(input: input.name, output: output.name, layer: layer, isKey: isKey, heads: heads, headSize: headSize, dtype: dtype)
    }

    /// Gathers on 2-D initializers along axis 0: the token embedding (indices computed from the
    /// values of input_ids) and position tables (indices that depend only on shapes, positions
    /// or the mask — e.g. `Range(0, Shape(input_ids)[1])`). A table indexed by another input's
    /// values (BERT's token types) is neither.
    static func gatherTables(_ graph: Graph, idsInput: String) -> (embeddingRows: Int?, positions: [PositionTable]) {
        let producers = graph.producers()
        var inputNames: [ValueID: String] = [:]
        for v in graph.inputs { inputNames[v] = graph.values[v.index].name }
        var memo: [ValueID: Set<String>] = [:]
        /// The graph inputs whose elements `value`'s elements depend on (Shape and Size cut the path).
        func inputsRead(_ value: ValueID, depth: Int) -> Set<String> {
            if let name = inputNames[value] { return [name] }
            if let known = memo[value] { return known }
            guard depth < 2_000, let p = producers[value.index] else {
                // A value nothing defines is a constant, or an input we were not shown.
                return graph.initializers[value] != nil ? [] : ["?"]
            }
            let node = graph.nodes[p]
            memo[value] = []
            var result: Set<String> = []
            if node.opType != "Shape" && node.opType != "Size" {
                for input in node.inputs { if let input { result.formUnion(inputsRead(input, depth: depth + 1)) } }
            }
            memo[value] = result
            return result
        }
        var embeddingRows: Int?
        var positions: [PositionTable] = []
        for node in graph.nodes where node.opType == "Gather" && node.domainName == "ai.onnx" && node.inputs.count >= 2 {
            guard let data = node.inputs[0], let indices = node.inputs[1], let table = graph.initializers[data],
                  table.rank == 2, (try? node.int("axis", default: 0)) == 0
            else { continue }
            let read = inputsRead(indices, depth: 0)
            if read.contains(idsInput) {
                embeddingRows = embeddingRows ?? table.shape[0]
            } else if read.isSubset(of: ["position_ids", "attention_mask"]) {
                positions.append(PositionTable(node: node.name, initializer: graph.values[data.index].name, rows: table.shape[0]))
            }
        }
        return (embeddingRows, positions)
    }
}
