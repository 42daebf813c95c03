import GraphIR
import Kernels
import TensorCore

/// A Softmax with the fused elementwise chain before it (an attention mask's Add, a scale) and
/// the NaN guard after it (`Where(IsNaN(y), 0, y)` from scaled-dot-product attention's export)
/// becomes one `FusedSoftmax` step (see ``FusedSoftmax``): each row goes through the three while
/// it is in cache, instead of three passes over the attention probabilities.
///
/// The chain and the guard join only when the value between them and the Softmax has no other
/// reader, is not fetched (probes and patch targets stay values of their own) and is not a
/// graph output.
extension Plan {
    /// The nodes one fused softmax step replaces.
    struct SoftmaxFusion {
        var prologue: FusedChain?
        var softmax: Node
        /// A chain of one `ReplaceNaN` reading the Softmax's output and a replacement value.
        var epilogue: FusedChain?

        /// Every node, in execution order.
        var members: [Node] { (prologue?.members ?? []) + [softmax] + (epilogue?.members ?? []) }
    }

    static let fusedSoftmaxOpType = "FusedSoftmax"

    /// The graph with each Softmax that has a chain before it or a guard after it replaced by one
    /// internal node (named like the node whose output leaves it), the remaining chains and the
    /// fusions by the index of their node in the returned graph.
    static func fuseSoftmaxes(_ graph: Graph, chains: [Int: FusedChain], fetched: Set<ValueID>)
        -> (Graph, [Int: FusedChain], [Int: SoftmaxFusion])
    {
        let readers = readerCounts(graph)
        // The node reading each value (the one reader, where `readers` says there is one).
        var reader = [Int?](repeating: nil, count: graph.values.count)
        for (n, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs { reader[input.index] = n }
        }
        let producers = graph.producers()
        func internalValue(_ value: ValueID) -> Bool {
            readers[value.index] == 1 && !fetched.contains(value) && !graph.outputs.contains(value)
        }
        var fusions: [Int: SoftmaxFusion] = [:]
        var absorbed = Set<Int>()
        for (s, node) in graph.nodes.enumerated() where node.opType == "Softmax" && node.domainName == "ai.onnx" {
            guard node.inputs.count == 1, node.outputs.count == 1, let x = node.inputs[0] else { continue }
            let y = node.outputs[0]
            var prologue: Int?
            if let p = producers[x.index], chains[p] != nil, fusions[p] == nil, internalValue(x) { prologue = p }
            var epilogue: Int?
            if internalValue(y), let e = reader[y.index], let chain = chains[e], chain.inputs.first == y,
                chain.steps == [Kernels.ElementwiseStep(.replaceNaN, [0, 1])]
            {
                epilogue = e
            }
            guard prologue != nil || epilogue != nil else { continue }
            fusions[epilogue ?? s] = SoftmaxFusion(
                prologue: prologue.flatMap { chains[$0] }, softmax: node, epilogue: epilogue.flatMap { chains[$0] })
            absorbed.formUnion([prologue, epilogue == nil ? nil : s].compactMap { $0 })
        }
        guard !fusions.isEmpty else { return (graph, chains, [:]) }
        var replaced: [Int: Node] = [:]
        for (n, fusion) in fusions {
            let node = graph.nodes[n]
            let inputs = (fusion.prologue?.inputs ?? fusion.softmax.inputs.compactMap { $0 })
                + (fusion.epilogue?.inputs.dropFirst() ?? [])
            // The axis the softmax normalizes, for the region rules (they need it last).
            let opset = graph.opset(for: fusion.softmax.domain) ?? 0
            let axis = (try? fusion.softmax.int("axis", default: opset < 13 ? 1 : -1)) ?? 1
            replaced[n] = Node(
                name: node.name, opType: fusedSoftmaxOpType, domain: internalDomain, inputs: inputs,
                outputs: node.outputs, attributes: ["axis": .int(axis)], metadata: node.metadata, scope: node.scope)
        }
        let (result, moved) = rebuilt(graph, dropping: absorbed, replacing: replaced)
        var newChains: [Int: FusedChain] = [:]
        for (n, chain) in chains where fusions[n] == nil { if let m = moved[n] { newChains[m] = chain } }
        var newFusions: [Int: SoftmaxFusion] = [:]
        for (n, fusion) in fusions { if let m = moved[n] { newFusions[m] = fusion } }
        return (result, newChains, newFusions)
    }
}

extension RegionRules {
    /// The softmax's axis when it is the output's last one; nil otherwise (no rule then).
    private static func lastSoftmaxAxis(_ c: RegionContext) -> Int? {
        guard let shape = c.outputShapes.first ?? nil, let axis = try? c.node.int("axis"),
            Shape.normalizeAxis(axis, rank: shape.count) == shape.count - 1
        else { return nil }
        return shape.count - 1
    }

    /// A fused softmax along its last axis needs whole rows, read from its inputs as its chain
    /// broadcasts them.
    static func fusedSoftmax(_ c: RegionContext, _ needed: [Box?]) -> RegionMapping? {
        guard needed.count == 1, let out = needed[0], let shape = c.outputShapes.first ?? nil,
            let last = lastSoftmaxAxis(c), out.rank == shape.count
        else { return nil }
        var box = out
        box.ranges[last] = 0..<shape[last]
        var inputs: [Box?] = []
        for inputShape in c.inputShapes {
            guard let inputShape, let input = broadcast(box, shape, to: inputShape) else { return nil }
            inputs.append(input)
        }
        return RegionMapping(outputs: [box], inputs: inputs, execution: .call)
    }

    /// What changes in a fused softmax's output: the whole rows its changed inputs reach.
    static func fusedSoftmaxForward(_ c: RegionContext, _ changed: [Box?]) -> [Box?]? {
        guard let shape = c.outputShapes.first ?? nil, let last = lastSoftmaxAxis(c) else { return nil }
        var result: Box?
        for (i, d) in changed.enumerated() {
            guard let d else { continue }
            guard i < c.inputShapes.count, let inputShape = c.inputShapes[i],
                var box = spread(d, from: inputShape, to: shape)
            else { return nil }
            box.ranges[last] = 0..<shape[last]
            result = result.map { $0.union(box) } ?? box
        }
        return [result]
    }
}
