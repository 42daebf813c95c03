import GraphIR
import TensorCore

extension Plan {
    /// Shape signatures remembered at once; beyond this the oldest is dropped.
    static let shapeCacheEntries = 8
    /// Bytes of shape-derived values remembered per signature; bigger sets are not cached.
    static let shapeCacheBytes = 64 << 20

    /// Runs the plan on `feeds` (one tensor per graph input) and returns the fetched values.
    ///
    /// Feeds are not checked against the declared types here; ``checkedFeeds(_:)`` does that.
    public func run(_ feeds: [ValueID: Tensor], profile: Profile? = nil) throws(InterpreterError) -> [ValueID: Tensor] {
        let env = try execute(feeds, profile: profile, keepingAll: false)
        var result: [ValueID: Tensor] = [:]
        for value in fetches {
            guard let tensor = env[value.index] else {
                throw .graph(.undefinedOutput(value: graph.values[value.index].name))
            }
            result[value] = tensor
        }
        return result
    }

    /// Runs every step and returns the environment: every value by index, nil where freed
    /// (nothing is freed when `keepingAll`, see ``runKeepingAll(_:)``).
    func execute(_ feeds: [ValueID: Tensor], profile: Profile?, keepingAll: Bool) throws(InterpreterError) -> [Tensor?] {
        var env = [Tensor?](repeating: nil, count: graph.values.count)
        for (value, tensor) in constants { env[value] = tensor }
        for (value, tensor) in feeds { env[value.index] = tensor }
        for index in inputIndices where env[index] == nil {
            throw .missingInput(graph.values[index].name)
        }
        let signature = inputIndices.map { env[$0]?.shape ?? [] }
        let cached = shapeCache[signature]
        if let cached { for (value, tensor) in cached { env[value] = tensor } }
        var recorded: [(Int, Tensor)] = []
        var recordedBytes = 0

        for step in steps {
            if step.shapeDerived && cached != nil { continue }
            var args: [Tensor?] = []
            args.reserveCapacity(step.inputs.count)
            for input in step.inputs {
                guard let input else { args.append(nil); continue }
                guard let tensor = env[input] else {
                    let node = graph.nodes[step.node]
                    throw .node(name: node.name, opType: node.opType,
                                message: "input '\(graph.values[input].name)' was not produced by its node")
                }
                args.append(tensor)
            }
            let node = graph.nodes[step.node]
            let started = profile == nil ? 0 : Profile.now()
            let outputs = try Self.call(step.op, args, node: node)
            profile?.add(node.opType, seconds: Profile.now() - started)
            for (k, value) in step.outputs.enumerated() {
                guard k < outputs.count else {
                    if graph.values[value].name.isEmpty { continue }
                    throw .node(name: node.name, opType: node.opType,
                                message: "produced \(outputs.count) outputs, output \(k) ('\(graph.values[value].name)') is missing")
                }
                env[value] = outputs[k]
                if step.shapeDerived && cached == nil {
                    recorded.append((value, outputs[k]))
                    recordedBytes += outputs[k].byteCount
                }
            }
            if !keepingAll { for value in step.frees { env[value] = nil } }
        }
        if cached == nil && recordedBytes <= Self.shapeCacheBytes {
            if shapeCache.count >= Self.shapeCacheEntries { shapeCache.removeAll() }
            shapeCache[signature] = recorded
        }
        return env
    }

    /// Runs the plan on named inputs after checking them against the graph's declarations, and
    /// returns the fetched values by name (in fetch order).
    public func run(inputs: [String: Tensor]) throws(InterpreterError) -> [(name: String, tensor: Tensor)] {
        let outputs = try run(checkedFeeds(inputs))
        return fetches.compactMap { value in outputs[value].map { (graph.values[value.index].name, $0) } }
    }
}
