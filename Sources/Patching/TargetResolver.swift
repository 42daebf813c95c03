import GraphIR

/// Turns a target string into the values it names: a node name (its output 0), `node:k`
/// (output k), a value name, a graph input or an initializer, or a glob over node names and
/// scope paths. Unknown names fail with the nearest names as suggestions.
public struct TargetResolver: Sendable {
    let graph: Graph
    let valueByName: [String: [ValueID]]
    let nodeByName: [String: Int]

    public init(graph: Graph) {
        self.graph = graph
        var values: [String: [ValueID]] = [:]
        for (i, info) in graph.values.enumerated() where !info.name.isEmpty {
            values[info.name, default: []].append(ValueID(i))
        }
        self.valueByName = values
        var nodes: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { nodes[node.name] = i }
        self.nodeByName = nodes
    }

    /// The values `target` names, in node order for globs. `spec` is quoted in errors.
    public func resolve(_ target: String, spec: String) throws(PatchError) -> [ValueID] {
        let glob = Glob(target)
        if glob.hasWildcards {
            let matched = graph.nodes.filter { $0.matches(glob) }.compactMap(\.outputs.first)
            guard !matched.isEmpty else {
                throw .unknownTarget(spec: spec, target: target, suggestions: suggestions(for: target))
            }
            return matched
        }
        var candidates: [ValueID] = []
        if let n = nodeByName[target], let first = graph.nodes[n].outputs.first { candidates.append(first) }
        for value in valueByName[target] ?? [] where !candidates.contains(value) { candidates.append(value) }
        if candidates.isEmpty, let colon = target.lastIndex(of: ":"), let k = Int(target[target.index(after: colon)...]),
           let n = nodeByName[String(target[..<colon])] {
            let outputs = graph.nodes[n].outputs
            guard k >= 0 && k < outputs.count else {
                throw .badArgument(spec: spec, reason: "node '\(graph.nodes[n].name)' has \(outputs.count) output\(outputs.count == 1 ? "" : "s"), not \(k + 1)")
            }
            candidates.append(outputs[k])
        }
        switch candidates.count {
        case 0: throw .unknownTarget(spec: spec, target: target, suggestions: suggestions(for: target))
        case 1: return candidates
        default:
            throw .ambiguousTarget(spec: spec, target: target, candidates: candidates.map { value in
                if let n = nodeByName[target], graph.nodes[n].outputs.first == value {
                    return "output 0 of node '\(target)' (value '\(graph.values[value.index].name)')"
                }
                return "value '\(graph.values[value.index].name)' (\(value))"
            })
        }
    }

    /// Up to three known names nearest to `target` by edit distance.
    func suggestions(for target: String) -> [String] {
        let names = Set(nodeByName.keys).union(valueByName.keys)
        let needle = Array(target.lowercased())
        let scored = names.map { name in (name, Self.editDistance(needle, Array(name.lowercased()))) }
        let limit = max(2, needle.count / 2)
        return scored.filter { $0.1 <= limit }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
