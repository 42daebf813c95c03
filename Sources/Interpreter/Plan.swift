import GraphIR
import TensorCore

/// An executable form of a ``Graph``, built once and run many times.
///
/// Building a plan sorts the nodes, binds every node to an ``Operator`` from the registry (which
/// parses attributes once), folds nodes whose inputs are all constant, and computes when each
/// value dies so it can be freed after its last use. Values that depend only on the shapes of
/// the graph inputs (the exporters' `Shape → Gather → Concat` chains, causal masks) are computed
/// on the first run with given input shapes and reused by later runs with the same shapes.
public final class Plan {
    struct Step {
        var node: Int
        var op: any Operator
        var inputs: [Int?]
        var outputs: [Int]
        /// Values whose last use is this step.
        var frees: [Int]
        /// Output depends only on input shapes: cached per input-shape signature.
        var shapeDerived: Bool
    }

    public let graph: Graph
    /// Values returned by ``run(_:)``.
    public let fetches: [ValueID]
    let steps: [Step]
    /// Initializers and folded values, present in the environment before the first step.
    let constants: [(Int, Tensor)]
    let inputIndices: [Int]
    /// Shape-derived values per input-shape signature (see ``run(_:)``).
    var shapeCache: [[[Int]]: [(Int, Tensor)]] = [:]

    /// Builds a plan that computes `fetches` (default: the graph outputs).
    ///
    /// - Throws: ``InterpreterError/unsupportedOps(_:)`` listing every op without an
    ///   implementation, ``InterpreterError/node(name:opType:message:)`` for bad attributes, or the
    ///   verifier's error.
    ///
    /// With `viewFusion` false, products keep their head copies (``fuseMatMulViews(_:fetched:)``):
    /// for plans that run incrementally, whose region rules know the separate nodes.
    public init(
        graph: Graph, registry: OpRegistry = .standard, fetches: [ValueID]? = nil, viewFusion: Bool = true
    ) throws(InterpreterError) {
        let fetches = fetches ?? graph.outputs
        let fetched = Set(fetches)
        let transposedB = Self.fuseTransposedMatMuls(graph, fetched: fetched)
        let (viewed, views) = viewFusion ? Self.fuseMatMulViews(transposedB, fetched: fetched) : (transposedB, [:])
        let (chained, allChains) = Self.fuseElementwiseChains(
            Self.fuseNaNReplacements(viewed, fetched: fetched), fetched: fetched)
        let (graph, chains, softmaxes) = Self.fuseSoftmaxes(chained, chains: allChains, fetched: fetched)
        self.graph = graph
        self.fetches = fetches
        self.inputIndices = graph.inputs.map(\.index)
        let order: [Int]
        do {
            try graph.verify()
            order = try graph.topologicalOrder()
        } catch {
            throw .graph(error)
        }
        let ops = try Self.bind(
            graph: graph, order: order, registry: registry, chains: chains, softmaxes: softmaxes, views: views)

        // Classify values: constant (initializer or folded), shape-derived, or data.
        enum Kind { case constant, shapeDerived, data }
        var kind = [Kind](repeating: .data, count: graph.values.count)
        var constantValues: [Int: Tensor] = [:]
        for (value, tensor) in graph.initializers {
            kind[value.index] = .constant
            constantValues[value.index] = tensor
        }
        var shapeFixed = [Bool](repeating: true, count: graph.values.count)
        var pending: [Step] = []
        for n in order {
            let node = graph.nodes[n]
            let inputKinds = node.inputs.map { $0.map { kind[$0.index] } }
            if inputKinds.allSatisfy({ $0 == nil || $0 == .constant }) && !Self.neverFold.contains(node.opType) {
                let args = node.inputs.map { $0.flatMap { constantValues[$0.index] } }
                let outputs = try Self.call(ops[n]!, args, node: node)
                for (k, output) in node.outputs.enumerated() where k < outputs.count {
                    kind[output.index] = .constant
                    constantValues[output.index] = outputs[k]
                }
                continue
            }
            let nonData = inputKinds.map { $0.map { $0 != .data } }
            let fixed = node.inputs.compactMap { $0.map { shapeFixed[$0.index] } }
            let derived = Self.isShapeDerived(node, inputsShapeFixed: fixed, inputsNonData: nonData)
            let outputsFixed = derived || Self.outputShapesFixed(node, inputsShapeFixed: fixed, inputsNonData: nonData)
            for output in node.outputs {
                kind[output.index] = derived ? .shapeDerived : .data
                shapeFixed[output.index] = outputsFixed
            }
            pending.append(Step(node: n, op: ops[n]!, inputs: node.inputs.map { $0?.index },
                                outputs: node.outputs.map(\.index), frees: [], shapeDerived: derived))
        }

        // Liveness: free each value after the last step that reads it, unless it is fetched.
        let kept = Set(fetches.map(\.index))
        var lastUse: [Int: Int] = [:]
        for (s, step) in pending.enumerated() {
            for case let input? in step.inputs where constantValues[input] == nil { lastUse[input] = s }
            for output in step.outputs where lastUse[output] == nil { lastUse[output] = s }
        }
        for (value, s) in lastUse where !kept.contains(value) { pending[s].frees.append(value) }
        self.steps = pending
        // Only constants that a step or a fetch reads stay alive in the plan.
        let needed = Set(pending.flatMap { $0.inputs.compactMap { $0 } }).union(kept)
        self.constants = constantValues.filter { needed.contains($0.key) }.map { ($0.key, $0.value) }
    }

    /// Binds every node to its operator (a fused chain to a ``FusedElementwise`` over its
    /// members' operators, a fused softmax to a ``FusedSoftmax``); collects every unsupported op
    /// before failing.
    static func bind(
        graph: Graph, order: [Int], registry: OpRegistry, chains: [Int: FusedChain] = [:],
        softmaxes: [Int: SoftmaxFusion] = [:], views: [ValueID: ViewFusion] = [:]
    ) throws(InterpreterError) -> [Int: any Operator] {
        /// The view fusion node `n` stands for.
        func view(_ n: Int) -> ViewFusion? {
            let node = graph.nodes[n]
            guard node.domain == internalDomain, let output = node.outputs.first else { return nil }
            return views[output]
        }
        var missing: [String: (count: Int, example: String)] = [:]
        var factories: [Int: [OpFactory]] = [:]
        for n in order {
            for node in chains[n]?.members ?? softmaxes[n]?.members ?? view(n)?.members ?? [graph.nodes[n]] {
                let opset = graph.opset(for: node.domain) ?? 0
                if let factory = registry.factory(opType: node.opType, domain: node.domain, opset: opset) {
                    factories[n, default: []].append(factory)
                    continue
                }
                let op = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "\(node.domain).\(node.opType)"
                let key = "\(op) (opset \(opset))"
                missing[key] = ((missing[key]?.count ?? 0) + 1, missing[key]?.example ?? node.name)
            }
        }
        guard missing.isEmpty else {
            throw .unsupportedOps(missing.keys.sorted().map { key in
                (key, missing[key]?.count ?? 0, missing[key]?.example ?? "")
            })
        }
        func make(_ node: Node, _ factory: OpFactory) throws(InterpreterError) -> any Operator {
            do {
                return try factory(OpContext(node: node, opset: graph.opset(for: node.domain) ?? 0))
            } catch {
                throw .node(name: node.name, opType: node.opType, message: Self.message(error))
            }
        }
        func makeAll(_ nodes: [Node], _ bound: [OpFactory]) throws(InterpreterError) -> [any Operator] {
            var members: [any Operator] = []
            for (node, factory) in zip(nodes, bound) { members.append(try make(node, factory)) }
            return members
        }
        var ops: [Int: any Operator] = [:]
        for n in order {
            let bound = factories[n] ?? []
            if let chain = chains[n] {
                ops[n] = FusedElementwise(chain, ops: try makeAll(chain.members, bound))
            } else if let fusion = softmaxes[n] {
                let members = try makeAll(fusion.members, bound)
                let node = fusion.softmax
                do {
                    ops[n] = try FusedSoftmax(fusion, ops: members, opset: graph.opset(for: node.domain) ?? 0)
                } catch {
                    throw .node(name: node.name, opType: node.opType, message: Self.message(error))
                }
            } else if let fusion = view(n) {
                let members = try makeAll(fusion.members, bound)
                ops[n] = graph.nodes[n].opType == viewShapeOpType
                    ? ViewShape(fusion, ops: members) : MatMulViews(fusion, ops: members)
            } else if let factory = bound.first {
                ops[n] = try make(graph.nodes[n], factory)
            }
        }
        return ops
    }

    static func call(_ op: any Operator, _ args: [Tensor?], node: Node) throws(InterpreterError) -> [Tensor] {
        let outputs: [Tensor]
        do {
            outputs = try op.callAsFunction(args)
        } catch let error as FusedElementwise.MemberError {
            throw error.error
        } catch {
            throw .node(name: node.name, opType: node.opType, message: message(error))
        }
        return outputs
    }

    /// An error's text (its `description` where it has one).
    static func message(_ error: any Error) -> String { "\(error)" }

    /// Ops never folded at plan time even with constant inputs (none yet: random ops would be).
    static let neverFold: Set<String> = ["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"]
}
