import GraphIR
import TensorCore

// Control flow: If, Loop and Scan run their subgraph attributes with plans of their own.
// https://onnx.ai/onnx/operators/onnx__If.html, onnx__Loop.html, onnx__Scan.html
//
// A subgraph's last `captured` inputs are outer values it reads by name; the node lists them
// after its own inputs, in the order of its graph attributes' names (see GraphIR.Subgraph).

/// A subgraph with its plan, built when the node is bound.
final class SubgraphRunner: @unchecked Sendable {
    // Plans are not Sendable (they cache shape-derived values); a node's operator runs on one
    // thread at a time, as the outer plan does.
    let subgraph: Subgraph
    let plan: Plan

    init(_ subgraph: Subgraph, _ what: String) throws {
        self.subgraph = subgraph
        do {
            plan = try Plan(graph: subgraph.graph)
        } catch {
            throw OpError("\(what): \(error)")
        }
    }

    var formalCount: Int { subgraph.formalInputs.count }
    var outputCount: Int { subgraph.graph.outputs.count }

    /// Runs on the formal inputs and the captured outer values; returns the outputs in order.
    func run(_ formal: [Tensor], captured: ArraySlice<Tensor?>) throws -> [Tensor] {
        let inputs = subgraph.graph.inputs
        guard formal.count == formalCount, captured.count == subgraph.captured else {
            throw OpError(
                "the subgraph takes \(formalCount) inputs and \(subgraph.captured) outer values, got \(formal.count) and \(captured.count)"
            )
        }
        var feeds: [ValueID: Tensor] = [:]
        for (value, tensor) in zip(inputs, formal) { feeds[value] = tensor }
        for (value, tensor) in zip(inputs.suffix(subgraph.captured), captured) {
            guard let tensor else { throw OpError("outer value '\(subgraph.graph[value].name)' is missing") }
            feeds[value] = tensor
        }
        let outputs: [ValueID: Tensor]
        do { outputs = try plan.run(feeds) } catch { throw OpError("in the subgraph: \(error)") }
        return try subgraph.graph.outputs.map { value in
            guard let tensor = outputs[value] else {
                throw OpError("subgraph output '\(subgraph.graph[value].name)' was not computed")
            }
            return tensor
        }
    }
}

/// The node's graph attributes `names`, each with where its captured inputs start (after the
/// `explicitInputs`, attributes in name order).
private func subgraphs(_ node: Node, explicitInputs: Int, _ names: [String]) throws -> [(SubgraphRunner, Int)]
{
    var found: [String: (SubgraphRunner, Int)] = [:]
    var next = explicitInputs
    for key in node.attributes.keys.sorted() {
        guard case .graph(let sub) = node.attributes[key] else { continue }
        found[key] = (try SubgraphRunner(sub, "\(node.opType) attribute '\(key)'"), next)
        next += sub.captured
    }
    return try names.map { name in
        guard let entry = found[name] else { throw OpError("the '\(name)' graph attribute is required") }
        return entry
    }
}

/// The number of formal inputs of the graph attribute `name` (to find where captured inputs start).
private func formalInputs(_ node: Node, _ name: String) throws -> Int {
    guard case .graph(let sub)? = node.attributes[name] else {
        throw OpError("the '\(name)' graph attribute is required")
    }
    return sub.formalInputs.count
}

/// If: runs `then_branch` or `else_branch` by the bool scalar `cond` and returns its outputs.
struct If: Operator {
    let thenBranch: (SubgraphRunner, Int)
    let elseBranch: (SubgraphRunner, Int)

    init(_ context: OpContext) throws {
        let branches = try subgraphs(context.node, explicitInputs: 1, ["then_branch", "else_branch"])
        (thenBranch, elseBranch) = (branches[0], branches[1])
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let (branch, start) =
            try ControlFlowSupport.condition(try inputs.required(0), "cond") ? thenBranch : elseBranch
        return try branch.run([], captured: inputs[start..<(start + branch.subgraph.captured)])
    }
}

/// Loop: runs `body` while the trip count `M` (optional) is not reached and the condition
/// (optional, then the body's first output) holds.
///
/// Inputs `M`, `cond`, then N loop-carried initial values; the body maps (iteration number,
/// condition, N values) to (condition, N values, K scan outputs). Outputs: the N final values,
/// then each scan output stacked over the iterations along a new first axis.
struct Loop: Operator {
    let body: (SubgraphRunner, Int)

    init(_ context: OpContext) throws {
        let node = context.node
        body = try subgraphs(node, explicitInputs: try formalInputs(node, "body"), ["body"])[0]
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let (runner, start) = body
        let carried = runner.formalCount - 2
        guard carried >= 0, runner.outputCount >= 1 + carried else {
            throw OpError(
                "the body must take (iteration, condition, values…) and return (condition, values…, scans…)")
        }
        let maxTrips = try inputs.optional(0).map { try ShapeSupport.scalarInt($0, "M") }
        var cond = try inputs.optional(1).map { try ControlFlowSupport.condition($0, "cond") } ?? true
        var values = try (0..<carried).map { try inputs.required(2 + $0) }
        let captured = inputs[start..<(start + runner.subgraph.captured)]
        var scans = [[Tensor]](repeating: [], count: runner.outputCount - 1 - carried)
        var trip = 0
        while cond && (maxTrips.map { trip < $0 } ?? true) {
            let out = try runner.run(
                [Tensor(scalar: Int64(trip)), Tensor(scalar: cond)] + values, captured: captured)
            cond = try ControlFlowSupport.condition(out[0], "the body's condition")
            values = Array(out[1..<(1 + carried)])
            for k in scans.indices { scans[k].append(out[1 + carried + k]) }
            trip += 1
        }
        return values
            + (try scans.enumerated().map { k, slices in
                let declared =
                    runner.subgraph.graph[runner.subgraph.graph.outputs[1 + carried + k]].dtype ?? .float32
                return try ControlFlowSupport.stack(slices, axis: 0, emptyDType: declared)
            })
    }
}

/// Scan: runs `body` once per slice of the scan inputs, threading N state values.
///
/// From opset 9: inputs are N initial states then M = `num_scan_inputs` scan inputs, each
/// sliced along its `scan_input_axes` entry (default 0), backwards where
/// `scan_input_directions` is 1. The body maps (N states, M slices) to (N states, K slices);
/// outputs are the N final states and the K slices stacked along `scan_output_axes` (reversed
/// where `scan_output_directions` is 1). Opset 8 has a leading batch axis on every input and
/// output and an optional `sequence_lens` first input (full lengths only).
struct Scan: Operator {
    let body: (SubgraphRunner, Int)
    let scanInputs: Int
    let inputAxes: [Int]?, inputDirections: [Int]?
    let outputAxes: [Int]?, outputDirections: [Int]?
    /// Opset 8: batch axis first, `sequence_lens` input.
    let batched: Bool

    init(_ context: OpContext) throws {
        let node = context.node
        batched = context.opset < 9
        scanInputs = try node.required("num_scan_inputs", node.int)
        inputAxes = try node.ints("scan_input_axes")
        inputDirections = try node.ints(batched ? "directions" : "scan_input_directions")
        outputAxes = try node.ints("scan_output_axes")
        outputDirections = try node.ints("scan_output_directions")
        body = try subgraphs(
            node, explicitInputs: try formalInputs(node, "body") + (batched ? 1 : 0), ["body"])[0]
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let (runner, start) = body
        let captured = inputs[start..<(start + runner.subgraph.captured)]
        let first = batched ? 1 : 0
        let explicit = try (first..<start).map { try inputs.required($0) }
        let states = runner.formalCount - scanInputs
        guard states >= 0, explicit.count == runner.formalCount, runner.outputCount >= states else {
            throw OpError(
                "the body takes \(runner.formalCount) inputs; with \(scanInputs) scan inputs the node needs as many"
            )
        }
        if batched, let lengths = inputs.optional(0) {
            let full = explicit[states...].first.map { $0.rank > 1 ? $0.shape[1] : 0 } ?? 0
            guard try ShapeSupport.ints(lengths, "sequence_lens").allSatisfy({ $0 == full }) else {
                throw OpError("sequence_lens shorter than the scan inputs are not supported")
            }
        }
        guard batched else { return try scan(explicit, states: states, runner: runner, captured: captured) }
        // Opset 8: one scan per batch entry, results stacked again.
        let batch = explicit.first?.shape.first ?? 0
        var perBatch: [[Tensor]] = []
        for b in 0..<batch {
            let slices = try explicit.map { try ControlFlowSupport.slice($0, axis: 0, index: b) }
            perBatch.append(try scan(slices, states: states, runner: runner, captured: captured))
        }
        return try (0..<runner.outputCount).map { k in
            try ControlFlowSupport.stack(
                perBatch.map { $0[k] }, axis: 0, emptyDType: explicit.first?.dtype ?? .float32)
        }
    }

    private func scan(
        _ explicit: [Tensor], states: Int, runner: SubgraphRunner, captured: ArraySlice<Tensor?>
    ) throws -> [Tensor] {
        var state = Array(explicit[..<states])
        let scanned = Array(explicit[states...])
        let axes = try scanned.enumerated().map { k, t in
            try ShapeSupport.axis(inputAxes?[k] ?? 0, rank: t.rank, "scan_input_axes")
        }
        let length = scanned.first.map { $0.shape[axes[0]] } ?? 0
        guard zip(scanned, axes).allSatisfy({ $0.shape[$1] == length }) else {
            throw OpError("scan inputs differ in length along their scan axes")
        }
        let outputs = runner.outputCount - states
        var collected = [[Tensor]](repeating: [], count: outputs)
        for step in 0..<length {
            let slices = try scanned.enumerated().map { k, t in
                try ControlFlowSupport.slice(
                    t, axis: axes[k], index: (inputDirections?[k] ?? 0) == 1 ? length - 1 - step : step)
            }
            let out = try runner.run(state + slices, captured: captured)
            state = Array(out[..<states])
            for k in 0..<outputs { collected[k].append(out[states + k]) }
        }
        let stacked = try collected.enumerated().map { k, slices -> Tensor in
            let ordered = (outputDirections?[k] ?? 0) == 1 ? slices.reversed() : slices
            let rank = (ordered.first?.rank ?? 0) + 1
            let axis = try ShapeSupport.axis(outputAxes?[k] ?? 0, rank: rank, "scan_output_axes")
            let declared = runner.subgraph.graph[runner.subgraph.graph.outputs[states + k]].dtype ?? .float32
            return try ControlFlowSupport.stack(Array(ordered), axis: axis, emptyDType: declared)
        }
        return state + stacked
    }
}

enum ControlFlowSupport {
    /// The value of a one-element bool condition.
    static func condition(_ tensor: Tensor, _ what: String) throws -> Bool {
        guard tensor.dtype == .bool, tensor.count == 1 else {
            throw OpError("\(what) must be one bool, got \(tensor.dtype) \(tensor.shape)")
        }
        return tensor.scalars(as: Bool.self)[0]
    }

    /// `tensor` at `index` along `axis`, that axis removed.
    static func slice(_ tensor: Tensor, axis: Int, index: Int) throws -> Tensor {
        let (outer, n, inner) = MiscSupport.around(tensor.shape, axis: axis)
        guard index >= 0 && index < n else {
            throw OpError("index \(index) is outside axis \(axis) of \(tensor.shape)")
        }
        var flat: [Int] = []
        flat.reserveCapacity(outer * inner)
        for o in 0..<outer { for i in 0..<inner { flat.append((o * n + index) * inner + i) } }
        var shape = tensor.shape
        shape.remove(at: axis)
        return try MiscSupport.gather(tensor, flat, shape: shape)
    }

    /// The tensors (one shape and dtype) stacked along a new axis `axis`; no tensors give an
    /// empty 1-D tensor of `emptyDType`.
    static func stack(_ tensors: [Tensor], axis: Int, emptyDType: DType) throws -> Tensor {
        guard let first = tensors.first else { return try ShapeSupport.allocate(emptyDType, [0]) }
        guard tensors.allSatisfy({ $0.shape == first.shape && $0.dtype == first.dtype }) else {
            throw OpError("scan outputs differ in shape or dtype between iterations")
        }
        var shape = first.shape
        shape.insert(tensors.count, at: axis)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[axis...].reduce(1, *)
        var out = try ShapeSupport.allocate(first.dtype, shape)
        let size = first.dtype.byteSize
        out.withUnsafeMutableRawBytes { dst in
            guard let to = dst.baseAddress else { return }
            for (k, tensor) in tensors.enumerated() {
                tensor.withUnsafeRawBytes { src in
                    guard let from = src.baseAddress else { return }
                    for o in 0..<outer {
                        (to + ((o * tensors.count + k) * inner) * size).copyMemory(
                            from: from + o * inner * size, byteCount: inner * size)
                    }
                }
            }
        }
        return out
    }
}
