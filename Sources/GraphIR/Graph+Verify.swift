/// The SSA verifier and topological order. Runs after import and after every rewrite.
extension Graph {
    /// Checks that every value is defined exactly once, every node input and graph output is
    /// defined, the nodes form no cycle, and every node's domain has an opset import.
    public func verify() throws(GraphError) {
        var definer = [String?](repeating: nil, count: values.count)
        func define(_ value: ValueID, by who: String) throws(GraphError) {
            if let first = definer[value.index] {
                throw .definedTwice(value: values[value.index].name, first: first, second: who)
            }
            definer[value.index] = who
        }
        for input in inputs { try define(input, by: "graph input") }
        for value in initializers.keys.sorted() where definer[value.index] == nil {
            try define(value, by: "initializer")
        }
        for node in nodes {
            for output in node.outputs { try define(output, by: "node '\(node.name)'") }
        }
        for node in nodes {
            for case let input? in node.inputs where definer[input.index] == nil {
                throw .undefinedInput(node: node.name, input: values[input.index].name)
            }
            if opset(for: node.domain) == nil {
                throw .unknownOpset(node: node.name, opType: node.opType, domain: node.domainName)
            }
        }
        for output in outputs where definer[output.index] == nil {
            throw .undefinedOutput(value: values[output.index].name)
        }
        _ = try topologicalOrder()
    }

    /// Node indices in an order where every node comes after the producers of its inputs;
    /// file order is kept where it is already valid. Throws `.cycle` naming the nodes left over.
    public func topologicalOrder() throws(GraphError) -> [Int] {
        let producer = producers()
        var pending = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for case let input? in node.inputs {
                if let p = producer[input.index] {
                    pending[i] += 1
                    consumers[p].append(i)
                }
            }
        }
        // A min-heap would keep file order exactly; a FIFO seeded in file order keeps it for
        // files that are already sorted, which is every exporter's output.
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        var head = 0
        while head < ready.count {
            let n = ready[head]
            head += 1
            order.append(n)
            for c in consumers[n] {
                pending[c] -= 1
                if pending[c] == 0 { ready.append(c) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = (0..<nodes.count).filter { pending[$0] > 0 }.map { nodes[$0].name }
            throw .cycle(nodes: stuck)
        }
        return order
    }
}
