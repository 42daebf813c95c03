import GraphIR

/// The domain of the nodes patches insert. Its ops are registered by the library, not by the
/// interpreter's standard registry.
public let patchDomain = "ai.onnxpatch"

/// One entry of a patch list, ready for rewriting: what it targets and whether it is a probe.
public struct PatchRequest: Sendable {
    /// The spec text, quoted in errors and used as the probe key.
    public var label: String
    public var target: String
    public var isProbe: Bool
    /// Handed to the inserted node as attribute `patch_id`, so the library can find its kernel.
    public var id: Int

    public init(label: String, target: String, isProbe: Bool, id: Int) {
        self.label = label
        self.target = target
        self.isProbe = isProbe
        self.id = id
    }
}

/// A rewritten graph and where its probes read.
public struct PatchedGraph: Sendable {
    public var graph: Graph
    /// Probe key → value. A probe over a glob gets one key per match: `label` + `@` + value name.
    public var probes: [(key: String, value: ValueID)]
}

extension Graph {
    /// Inserts a `Patch` node after each patched value, in the order given, and moves every
    /// consumer and graph output of the value onto the last one; probes record the value at their
    /// place in the order. The original graph is untouched. The result is verified.
    ///
    /// `finalProbes` are targets whose final (patched) value is recorded, keyed by the target text.
    public func patched(_ requests: [PatchRequest], finalProbes: [String] = []) throws(PatchError) -> PatchedGraph {
        var g = self
        let resolver = TargetResolver(graph: self)
        var tip: [ValueID: ValueID] = [:]
        var patchNodes = Set<Int>()
        var probes: [(key: String, value: ValueID)] = []
        var inserted: [(after: Int?, node: Node)] = []
        let producers = producers()
        var count = 0
        for request in requests {
            let targets = try resolver.resolve(request.target, spec: request.label)
            for value in targets {
                let current = tip[value] ?? value
                if request.isProbe {
                    let key = targets.count == 1 ? request.label : request.label + "@" + g.values[value.index].name
                    probes.append((key, current))
                    continue
                }
                count += 1
                let info = g.values[value.index]
                let output = g.addValue(ValueInfo(name: "\(info.name)/patch#\(count)", dtype: info.dtype, shape: info.shape))
                let node = Node(name: "patch#\(count): \(request.label)", opType: "Patch", domain: patchDomain,
                                inputs: [current], outputs: [output], attributes: ["patch_id": .int(request.id)])
                inserted.append((producers[value.index], node))
                tip[value] = output
            }
        }
        for target in finalProbes {
            let values = try resolver.resolve(target, spec: target)
            for value in values {
                let key = values.count == 1 ? target : target + "@" + g.values[value.index].name
                probes.append((key, tip[value] ?? value))
            }
        }
        // Place each patch node right after its value's producer so listings read in order.
        var nodes: [Node] = []
        var pending = inserted
        let early = pending.filter { $0.after == nil }.map(\.node)
        nodes += early
        pending.removeAll { $0.after == nil }
        for (i, node) in g.nodes.enumerated() {
            nodes.append(node)
            nodes += pending.filter { $0.after == i }.map(\.node)
        }
        for (i, node) in nodes.enumerated() where node.domain == patchDomain { patchNodes.insert(i) }
        g.nodes = nodes
        for (original, final) in tip {
            for i in g.nodes.indices where !patchNodes.contains(i) {
                g.nodes[i].inputs = g.nodes[i].inputs.map { $0 == original ? final : $0 }
            }
            if g.outputs.contains(original) {
                // The graph output keeps its ONNX name: the final value takes it over.
                let name = g.values[original.index].name
                g.values[original.index].name = name + "/unpatched"
                g.values[final.index].name = name
                g.outputs = g.outputs.map { $0 == original ? final : $0 }
            }
        }
        if !tip.isEmpty { g.opsetImports[patchDomain] = 1 }
        do {
            try g.verify()
        } catch {
            throw .badArgument(spec: requests.map(\.label).joined(separator: " "), reason: "rewrite produced an invalid graph: \(error)")
        }
        return PatchedGraph(graph: g, probes: probes)
    }
}
