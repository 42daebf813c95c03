import GraphIR
import Kernels
import TensorCore

/// Chains of elementwise nodes become one `FusedElementwise` step (see ``FusedElementwise``).
///
/// A node joins the chain of the node reading its output when that output has no other reader,
/// is not fetched (probes and patch targets are fetched or read by patch nodes, so they always
/// stay values of their own) and is not a graph output. Chains are trees rooted at the node
/// whose output leaves the chain. A lone node is a chain of one: it gets the fused kernel's
/// float32 pass, split over the threads.
extension Plan {
    /// The nodes one fused step replaces, in execution order, and its wiring.
    struct FusedChain {
        /// The chain's nodes, in topological order; the last is the root.
        var members: [Node]
        /// Values read from outside the chain: the fused node's inputs.
        var inputs: [ValueID]
        /// The first `operandCount` inputs are the steps' registers `0..<operandCount`.
        var operandCount: Int
        var steps: [Kernels.ElementwiseStep]
    }

    static let fusedElementwiseOpType = "FusedElementwise"

    /// The graph with each fusable chain replaced by one internal node (named like the chain's
    /// root), and the chains by the index of their node in the returned graph.
    static func fuseElementwiseChains(_ graph: Graph, fetched: Set<ValueID>) -> (Graph, [Int: FusedChain]) {
        guard let order = try? graph.topologicalOrder() else { return (graph, [:]) }
        let readers = readerCounts(graph)
        let producers = graph.producers()
        let operations = graph.nodes.map { elementwiseOperation($0, in: graph) }
        // root[n]: the root of the chain node n belongs to (itself when it is not absorbed).
        var root = Array(graph.nodes.indices)
        for n in order.reversed() {
            guard operations[n] != nil else { continue }
            for case let input? in graph.nodes[n].inputs.prefix(operations[n]?.arity ?? 0) {
                guard let p = producers[input.index], operations[p] != nil, root[p] == p,
                    readers[input.index] == graph.nodes[n].inputs.filter({ $0 == input }).count,
                    !fetched.contains(input), !graph.outputs.contains(input)
                else { continue }
                root[p] = root[n]
            }
        }
        // Roots are visited after their members in topological order, so members come first.
        var membersOf: [Int: [Int]] = [:]
        for n in order where operations[n] != nil { membersOf[root[n], default: []].append(n) }
        var chains: [Int: FusedChain] = [:]
        var absorbed = Set<Int>()
        for (r, members) in membersOf {
            chains[r] = chain(members.map { graph.nodes[$0] }, operations: members.compactMap { operations[$0] })
            absorbed.formUnion(members.dropLast())
        }
        guard !chains.isEmpty else { return (graph, [:]) }
        var replaced: [Int: Node] = [:]
        for (r, chain) in chains {
            let node = graph.nodes[r]
            replaced[r] = Node(name: node.name, opType: fusedElementwiseOpType, domain: internalDomain,
                               inputs: chain.inputs.map { $0 }, outputs: node.outputs, scope: node.scope)
        }
        let (result, moved) = rebuilt(graph, dropping: absorbed, replacing: replaced)
        var byNewIndex: [Int: FusedChain] = [:]
        for (r, chain) in chains { if let n = moved[r] { byNewIndex[n] = chain } }
        return (result, byNewIndex)
    }

    /// The registers of a chain: the outside values its steps read first, then one per member.
    /// Outside values only the ops read (Pow's exponent) follow the operands among the inputs.
    private static func chain(_ members: [Node], operations: [Kernels.ElementwiseOperation]) -> FusedChain {
        let produced = Set(members.map { $0.outputs[0] })
        var inputs: [ValueID] = []
        for (node, operation) in zip(members, operations) {
            for case let input? in node.inputs.prefix(operation.arity) where !produced.contains(input) && !inputs.contains(input) {
                inputs.append(input)
            }
        }
        let operandCount = inputs.count
        var register: [ValueID: Int] = [:]
        for (i, input) in inputs.enumerated() { register[input] = i }
        var steps: [Kernels.ElementwiseStep] = []
        for (s, (node, operation)) in zip(members, operations).enumerated() {
            let operands = node.inputs.prefix(operation.arity).compactMap { $0.flatMap { register[$0] } }
            steps.append(Kernels.ElementwiseStep(operation, operands))
            register[node.outputs[0]] = operandCount + s
        }
        for node in members {
            for case let input? in node.inputs where !produced.contains(input) && !inputs.contains(input) {
                inputs.append(input)
            }
        }
        return FusedChain(members: members, inputs: inputs, operandCount: operandCount, steps: steps)
    }

    /// What a node computes as a fused step, when it is an elementwise op the fused kernel
    /// computes exactly as the op's own float32 kernel does.
    static func elementwiseOperation(_ node: Node, in graph: Graph) -> Kernels.ElementwiseOperation? {
        if node.domain == internalDomain && node.opType == replaceNaNOpType {
            return node.inputs.count == 2 && node.outputs.count == 1 && !node.inputs.contains(nil) ? .replaceNaN : nil
        }
        guard node.domain.isEmpty || node.domain == "ai.onnx", node.outputs.count == 1,
            let opset = graph.opset(for: node.domain), opset >= 7,
            node.inputs.allSatisfy({ $0 != nil })
        else { return nil }
        let binary: [String: Kernels.ElementwiseOperation] = [
            "Add": .add, "Sub": .subtract, "Mul": .multiply, "Div": .divide,
        ]
        let unary: [String: Kernels.ElementwiseOperation] = [
            "Neg": .negate, "Sqrt": .squareRoot, "Reciprocal": .reciprocal, "Tanh": .activation(.tanh),
            "Erf": .activation(.erf), "Sigmoid": .activation(.sigmoid), "Exp": .activation(.exp),
        ]
        if let operation = binary[node.opType] { return node.inputs.count == 2 ? operation : nil }
        if let operation = unary[node.opType] { return node.inputs.count == 1 ? operation : nil }
        switch node.opType {
        case "Pow":
            // A rank-0 constant exponent 2 or 3: the Pow kernel's exact products.
            guard node.inputs.count == 2, let exponent = node.inputs[1].flatMap({ constant($0, in: graph) }),
                exponent.rank == 0, exponent.dtype.isFloatingPoint || exponent.dtype.isInteger,
                let value = try? exponent.cast(to: .float64).scalars(as: Double.self).first
            else { return nil }
            return value == 2 ? .square : value == 3 ? .cube : nil
        case "Gelu":
            guard node.inputs.count == 1, opset >= 20 else { return nil }
            switch try? node.string("approximate", default: "none") {
            case "none": return .activation(.gelu)
            case "tanh": return .activation(.geluTanh)
            default: return nil
            }
        default: return nil
        }
    }

    /// The value of an initializer or of a `Constant` node's `value` tensor.
    private static func constant(_ value: ValueID, in graph: Graph) -> Tensor? {
        if let tensor = graph.initializers[value] { return tensor }
        guard let node = graph.nodes.first(where: { $0.outputs.first == value }), node.opType == "Constant",
            node.domain.isEmpty, case .tensor(let tensor)? = node.attributes["value"]
        else { return nil }
        return tensor
    }
}
