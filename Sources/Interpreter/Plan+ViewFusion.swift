import GraphIR

/// A MatMul whose operands are reached through Reshape, Transpose, Split and scalar Mul nodes
/// (attention's head split: `Split → Reshape → Transpose(0,2,1,3) → Mul(scale)`), and whose
/// result may go through one Transpose that keeps its last axis (the heads merged back), becomes
/// one `MatMulViews` step: BLAS reads the operands where they lie through strides, the scales go
/// into its alpha, and it writes the result in the transposed order. No head copies are made.
///
/// A value joins only when nothing but the next node of the chain reads it (and `Shape` nodes,
/// which become `ViewShape` steps reading the same chain), it is not fetched (probes and patch
/// targets stay values of their own) and it is not a graph output; a Split only when every one
/// of its outputs joins some chain. Plans built for incremental runs leave these nodes alone
/// (their region rules know the separate ops).
extension Plan {
    /// The nodes one `MatMulViews` or `ViewShape` step replaces.
    struct ViewFusion {
        /// Every node, in execution order: the chains' nodes, then the MatMul (and its Transpose)
        /// or the Shape.
        var members: [Node]
        /// The step's inputs: each chain's source first, then the other values members read.
        var inputs: [ValueID]
        /// Per chain (A and B of the product, or the Shape's one), how its end reads its source.
        var chains: [ViewChain]
        /// The Transpose of the product's result, when it joined.
        var transposePerm: [Int]?
        var output: ValueID
    }

    /// How the end of a chain of view nodes reads the chain's source: member by member.
    struct ViewChain {
        enum Link {
            /// Output `output` of member `member`, a ``ViewOperator``.
            case view(member: Int, output: Int)
            /// Member `member` multiplies by the one-element value `scalar`.
            case scale(member: Int, scalar: ValueID)
        }

        var source: ValueID
        var links: [Link]
    }

    static let matMulViewsOpType = "MatMulViews"
    static let viewShapeOpType = "ViewShape"

    /// The graph with each such MatMul (and each Shape reading inside a chain) replaced by one
    /// internal node named like the node whose output leaves it; the fusions by that output
    /// (later passes renumber the nodes, not the values).
    static func fuseMatMulViews(_ graph: Graph, fetched: Set<ValueID>) -> (Graph, [ValueID: ViewFusion]) {
        guard let order = try? graph.topologicalOrder() else { return (graph, [:]) }
        var position = [Int](repeating: 0, count: graph.nodes.count)
        for (i, n) in order.enumerated() { position[n] = i }
        let producers = graph.producers()
        var readers = [[Int]](repeating: [], count: graph.values.count)
        for (n, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs { readers[input.index].append(n) }
        }
        func isDefault(_ n: Int) -> Bool { graph.nodes[n].domainName == "ai.onnx" }
        func isShape(_ n: Int) -> Bool { graph.nodes[n].opType == "Shape" && isDefault(n) }
        func isInternal(_ v: ValueID) -> Bool {
            !fetched.contains(v) && !graph.outputs.contains(v) && graph.initializers[v] == nil
        }
        func isScalar(_ v: ValueID?) -> Bool {
            guard let v, let t = graph.initializers[v] else { return false }
            return t.count == 1 && t.dtype.isFloatingPoint
        }

        /// One node of a chain: it makes `value` from `from` (the other input of a scalar Mul
        /// is `scalar`).
        struct Link {
            var node: Int
            var value: ValueID
            var from: ValueID
            var scalar: ValueID?
        }

        // The Transposes that take a product's result; chains start after them, not through.
        var resultTransposes: [Int: Int] = [:]
        for (m, node) in graph.nodes.enumerated() where node.opType == "MatMul" && isDefault(m) {
            guard node.outputs.count == 1, isInternal(node.outputs[0]), readers[node.outputs[0].index].count == 1,
                let t = readers[node.outputs[0].index].first, graph.nodes[t].opType == "Transpose", isDefault(t),
                graph.nodes[t].outputs.count == 1, let perm = try? graph.nodes[t].ints("perm"),
                perm.sorted() == Array(perm.indices), perm.last == perm.count - 1
            else { continue }
            resultTransposes[m] = t
        }
        let taken = Set(resultTransposes.values)

        /// The nodes from a source to `operand` of node `reader`, source first.
        func walk(_ operand: ValueID, reader: Int) -> [Link] {
            var links: [Link] = []
            var (value, next) = (operand, reader)
            while isInternal(value), let p = producers[value.index], isDefault(p), !taken.contains(p),
                readers[value.index].filter({ $0 == next }).count == 1,
                readers[value.index].allSatisfy({ $0 == next || isShape($0) })
            {
                let node = graph.nodes[p]
                var link: Link?
                switch node.opType {
                case "Reshape", "Transpose", "Split":
                    if let from = node.inputs.first ?? nil { link = Link(node: p, value: value, from: from) }
                case "Mul" where node.inputs.count == 2:
                    if let x = node.inputs[0], let y = node.inputs[1] {
                        if isScalar(y) {
                            link = Link(node: p, value: value, from: x, scalar: y)
                        } else if isScalar(x) {
                            link = Link(node: p, value: value, from: y, scalar: x)
                        }
                    }
                default: break
                }
                guard let link else { break }
                links.append(link)
                (value, next) = (link.from, p)
            }
            return links.reversed()
        }

        // Candidates: each MatMul with its two chains and its result's Transpose.
        struct Candidate {
            var matMul: Int
            var chains: [[Link]]
            var transpose: Int?
        }
        var candidates: [Candidate] = []
        for (m, node) in graph.nodes.enumerated() where node.opType == "MatMul" && isDefault(m) {
            guard node.inputs.count == 2, let a = node.inputs[0], let b = node.inputs[1], node.outputs.count == 1
            else { continue }
            candidates.append(
                Candidate(matMul: m, chains: [walk(a, reader: m), walk(b, reader: m)], transpose: resultTransposes[m]))
        }
        // A Split joins only when all its outputs do; else chains start after it. Reshapes alone
        // copy nothing, so chains of only those are no gain. Repeated until no chain changes, as
        // each cut can leave another Split with an output no chain holds.
        var changed = true
        while changed {
            changed = false
            candidates.removeAll { c in
                c.transpose == nil && c.chains.allSatisfy { $0.allSatisfy { graph.nodes[$0.node].opType == "Reshape" } }
            }
            let joined = Set(candidates.flatMap { $0.chains.flatMap { $0.map(\.value) } })
            for c in candidates.indices {
                for k in 0..<2 {
                    if let cut = candidates[c].chains[k].lastIndex(where: { link in
                        let node = graph.nodes[link.node]
                        return node.opType == "Split" && !node.outputs.allSatisfy(joined.contains)
                    }) {
                        candidates[c].chains[k].removeFirst(cut + 1)
                        changed = true
                    }
                }
            }
        }
        guard !candidates.isEmpty else { return (graph, [:]) }

        /// The fusion of `chains` followed by `tail` (the nodes after them, in order), whose
        /// first node reads the chains' ends.
        func fusion(_ chains: [[Link]], tail: [Int], perm: [Int]?) -> ViewFusion {
            let chainNodes = Set(chains.flatMap { $0.map(\.node) }).sorted { position[$0] < position[$1] }
            let nodes = chainNodes + tail
            var member: [Int: Int] = [:]
            for (i, n) in nodes.enumerated() { member[n] = i }
            var viewChains: [ViewChain] = []
            for (k, chain) in chains.enumerated() {
                let end = graph.nodes[tail[0]].inputs[k] ?? ValueID(0)
                let links: [ViewChain.Link] = chain.map { link in
                    let index = member[link.node] ?? 0
                    if let scalar = link.scalar { return .scale(member: index, scalar: scalar) }
                    return .view(member: index, output: graph.nodes[link.node].outputs.firstIndex(of: link.value) ?? 0)
                }
                viewChains.append(ViewChain(source: chain.first?.from ?? end, links: links))
            }
            let produced = Set(nodes.flatMap { graph.nodes[$0].outputs })
            var inputs = viewChains.map(\.source)
            for n in nodes {
                for case let v? in graph.nodes[n].inputs where !produced.contains(v) && !inputs.contains(v) {
                    inputs.append(v)
                }
            }
            return ViewFusion(
                members: nodes.map { graph.nodes[$0] }, inputs: inputs, chains: viewChains, transposePerm: perm,
                output: graph.nodes[tail[tail.count - 1]].outputs[0])
        }

        // Fused products, by the node they replace (the Transpose's when it joined), and the
        // Shape nodes reading inside their chains.
        var fusions: [Int: ViewFusion] = [:]
        var absorbed = Set<Int>()
        for c in candidates {
            let tail = [c.matMul] + (c.transpose.map { [$0] } ?? [])
            let perm = c.transpose.flatMap { try? graph.nodes[$0].ints("perm") }
            fusions[c.matMul] = fusion(c.chains, tail: tail, perm: perm)
            absorbed.formUnion(c.chains.flatMap { $0.map(\.node) } + tail.dropFirst())
            for chain in c.chains {
                for (j, link) in chain.enumerated() {
                    for s in readers[link.value.index] where isShape(s) {
                        fusions[s] = fusion([Array(chain[...j])], tail: [s], perm: nil)
                    }
                }
            }
        }
        var replaced: [Int: Node] = [:]
        var byOutput: [ValueID: ViewFusion] = [:]
        for (n, fusion) in fusions {
            byOutput[fusion.output] = fusion
            let named = fusion.members[fusion.members.count - 1]
            replaced[n] = Node(
                name: named.name, opType: graph.nodes[n].opType == "Shape" ? viewShapeOpType : matMulViewsOpType,
                domain: internalDomain, inputs: fusion.inputs, outputs: [fusion.output], metadata: named.metadata,
                scope: named.scope)
        }
        return (rebuilt(graph, dropping: absorbed, replacing: replaced).graph, byOutput)
    }
}
