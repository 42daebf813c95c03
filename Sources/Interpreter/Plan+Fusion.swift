import GraphIR

/// Graph simplifications the plan makes on its private copy of the graph. They never change
/// results, only how they are computed; the graph users see (and patch) is untouched.
extension Plan {
    /// Domain of ops that exist only inside plans.
    public static let internalDomain = "ai.onnxpatch.internal"

    /// `MatMul(A, Transpose(B))` where the transpose only swaps B's last two axes becomes
    /// `MatMulTransposedB(A, B)`: the swap goes into the BLAS flag and the transposed copy is
    /// never made (for GPT-2's tied output projection that copy is 154 MB). Applies only when the
    /// transpose's output feeds nothing but such MatMuls and is not fetched.
    static func fuseTransposedMatMuls(_ graph: Graph, fetched: Set<ValueID>) -> Graph {
        var uses: [ValueID: [(node: Int, input: Int)]] = [:]
        for (n, node) in graph.nodes.enumerated() {
            for (i, input) in node.inputs.enumerated() {
                if let input { uses[input, default: []].append((n, i)) }
            }
        }
        var replaced: [Int: Node] = [:]
        var removed = Set<Int>()
        for (t, node) in graph.nodes.enumerated() where node.opType == "Transpose" && node.domain.isEmpty {
            guard let output = node.outputs.first, node.outputs.count == 1, !fetched.contains(output),
                  !graph.outputs.contains(output), let source = node.inputs.first ?? nil,
                  let consumers = uses[output], !consumers.isEmpty,
                  consumers.allSatisfy({ graph.nodes[$0.node].opType == "MatMul" && graph.nodes[$0.node].domain.isEmpty && $0.input == 1 }),
                  swapsLastTwoAxes(node, input: source, in: graph)
            else { continue }
            for use in consumers {
                var matMul = graph.nodes[use.node]
                matMul.opType = "MatMulTransposedB"
                matMul.domain = internalDomain
                matMul.inputs[1] = source
                replaced[use.node] = matMul
            }
            removed.insert(t)
        }
        guard !removed.isEmpty else { return graph }
        return rebuilt(graph, dropping: removed, replacing: replaced).graph
    }

    /// `Where(IsNaN(x), c, x)`, how exporters guard scaled-dot-product attention against fully
    /// masked rows, becomes `ReplaceNaN(x, c)`: an elementwise op that fused chains take in, so
    /// one pass replaces a mask tensor and a select. Applies only when the mask feeds nothing
    /// else and is neither fetched nor a graph output.
    static func fuseNaNReplacements(_ graph: Graph, fetched: Set<ValueID>) -> Graph {
        let readers = readerCounts(graph)
        let producers = graph.producers()
        var replaced: [Int: Node] = [:]
        var removed = Set<Int>()
        for (w, node) in graph.nodes.enumerated() where node.opType == "Where" && node.domainName == "ai.onnx" {
            guard node.inputs.count == 3, node.outputs.count == 1, let mask = node.inputs[0],
                let replacement = node.inputs[1], let x = node.inputs[2], readers[mask.index] == 1,
                !fetched.contains(mask), !graph.outputs.contains(mask), let p = producers[mask.index],
                graph.nodes[p].opType == "IsNaN", graph.nodes[p].domainName == "ai.onnx", graph.nodes[p].inputs == [x]
            else { continue }
            replaced[w] = Node(
                name: node.name, opType: replaceNaNOpType, domain: internalDomain, inputs: [x, replacement],
                outputs: node.outputs, metadata: node.metadata, scope: node.scope)
            removed.insert(p)
        }
        guard !removed.isEmpty else { return graph }
        return rebuilt(graph, dropping: removed, replacing: replaced).graph
    }

    /// `graph` without the nodes `dropped`, each node in `replaced` swapped for its replacement,
    /// and the internal domain imported; with the index in the new graph of each node kept, by
    /// its index in `graph` (what the fusions keyed by node index need).
    static func rebuilt(_ graph: Graph, dropping dropped: Set<Int>, replacing replaced: [Int: Node])
        -> (graph: Graph, moved: [Int: Int])
    {
        var result = graph
        result.nodes = []
        var moved: [Int: Int] = [:]
        for (n, node) in graph.nodes.enumerated() where !dropped.contains(n) {
            moved[n] = result.nodes.count
            result.nodes.append(replaced[n] ?? node)
        }
        result.opsetImports[internalDomain] = 1
        return (result, moved)
    }

    static let replaceNaNOpType = "ReplaceNaN"

    /// How many node inputs read each value, by value index (a node reading a value twice counts
    /// twice): the fusions' test that nothing else reads an intermediate.
    static func readerCounts(_ graph: Graph) -> [Int] {
        var readers = [Int](repeating: 0, count: graph.values.count)
        for node in graph.nodes {
            for case let input? in node.inputs { readers[input.index] += 1 }
        }
        return readers
    }

    /// Whether the Transpose's `perm` is `[0, 1, …, r-1, r-2]` (absent `perm` reverses the axes,
    /// which is that only for rank 2, known from the input's declared or constant shape).
    static func swapsLastTwoAxes(_ node: Node, input: ValueID, in graph: Graph) -> Bool {
        if let perm = try? node.ints("perm") {
            let r = perm.count
            return r >= 2 && perm == Array(0..<(r - 2)) + [r - 1, r - 2]
        }
        let rank = graph.initializers[input]?.rank ?? graph.values[input.index].shape?.count
        return rank == 2
    }
}
