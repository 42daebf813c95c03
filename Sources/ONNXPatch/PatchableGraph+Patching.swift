import Interpreter
import Patching
import TensorCore

/// What a run returns: the graph outputs by ONNX name, in graph order, and the probed values by
/// probe key (the spec or target as given).
public struct RunResult: Sendable {
    public var outputs: [(name: String, tensor: Tensor)]
    public var probes: [(key: String, tensor: Tensor)]

    public subscript(output name: String) -> Tensor? { outputs.first { $0.name == name }?.tensor }
    public subscript(probe key: String) -> Tensor? { probes.first { $0.key == key }?.tensor }
}

/// A patched graph with its plan, built once per patch set and reused by later runs.
final class PatchedPlan {
    let patched: PatchedGraph
    let plan: Plan

    init(patched: PatchedGraph, plan: Plan) {
        self.patched = patched
        self.plan = plan
    }
}

extension PatchableGraph {
    /// Runs with `patches` applied in order (probes among them record the value at their place)
    /// and `probes` recording the final value of each target. Targets and files are resolved
    /// before anything runs; runs with the same patches and probes reuse one plan.
    ///
    /// ```swift
    /// let result = try model.run(["input_ids": ids],
    ///                            patches: [try Patch("node_Gemm_12[:, -1, 3681]=zero")],
    ///                            probes: ["/transformer/h.0/attn/Softmax"])
    /// ```
    public func run(
        _ inputs: [String: Tensor], patches: [Patch], probes: [String] = [], profile: Profile? = nil
    ) throws(ONNXPatchError) -> RunResult {
        let prepared = try patchedPlan(patches: patches, probes: probes)
        let values: [ValueID: Tensor]
        do {
            values = try prepared.plan.run(prepared.plan.checkedFeeds(inputs), profile: profile)
        } catch {
            throw .run(error)
        }
        let graph = prepared.patched.graph
        return RunResult(
            outputs: graph.outputs.compactMap { v in values[v].map { (graph.values[v.index].name, $0) } },
            probes: prepared.patched.probes.compactMap { p in values[p.value].map { (p.key, $0) } })
    }

    /// The graph after rewriting for `patches` and `probes` (what `inspect --patch` shows).
    public func patchedGraph(patches: [Patch], probes: [String] = []) throws(ONNXPatchError) -> PatchedGraph {
        do {
            return try graph.patched(Self.requests(patches), finalProbes: probes)
        } catch {
            throw .patch(error)
        }
    }

    static func requests(_ patches: [Patch]) -> [PatchRequest] {
        patches.enumerated().map { i, patch in
            PatchRequest(label: patch.spec.text, target: patch.spec.target, isProbe: patch.isProbe, id: i)
        }
    }

    func patchedPlan(patches: [Patch], probes: [String]) throws(ONNXPatchError) -> PatchedPlan {
        let key = patches.map(\.identity) + ["--probes"] + probes
        if let cached = patchedPlans[key] { return cached }
        let patched = try patchedGraph(patches: patches, probes: probes)
        var files: [Int: Tensor] = [:]
        for (i, patch) in patches.enumerated() {
            switch patch.spec.kind {
            case .add(.file(let path)), .mul(.file(let path)), .replace(.file(let path)):
                do {
                    files[i] = try InputFile.read(path: path)
                } catch {
                    throw .patch(.badArgument(spec: patch.spec.text, reason: error.description))
                }
            default:
                break
            }
        }
        var registry = OpRegistry.standard
        registry.register("Patch", domain: patchDomain) { [files] context in
            let id = try context.node.int("patch_id", default: -1)
            guard patches.indices.contains(id) else { throw OpError("patch node without a known patch_id") }
            return PatchOperator(patch: patches[id], fileValue: files[id])
        }
        let graph = patched.graph
        let extra = patched.probes.map(\.value).filter { !graph.outputs.contains($0) }
        let plan: Plan
        do {
            plan = try Plan(graph: graph, registry: registry, fetches: graph.outputs + Array(Set(extra)).sorted())
        } catch {
            throw .run(error)
        }
        let prepared = PatchedPlan(patched: patched, plan: plan)
        if patchedPlans.count >= 16 { patchedPlans.removeAll() }
        patchedPlans[key] = prepared
        return prepared
    }
}
