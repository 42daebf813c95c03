import Kernels
import Interpreter
import ONNXImport
import Patching
import TensorCore

/// An exported model loaded once and run many times.
///
/// ```swift
/// let model = try PatchableGraph(path: "gpt2.onnx")
/// let outputs = try model.run(["input_ids": ids])
/// print(outputs["logits"]!.shape)
/// ```
public final class PatchableGraph {
    /// The imported graph (SSA, verified); node names are the patch targets.
    public let graph: Graph
    public let path: String
    public let producer: String
    /// Plans by the extra values they fetch beyond the graph outputs and whether they run incrementally.
    private var plans: [PlanKey: Plan] = [:]
    struct PlanKey: Hashable {
        var extra: [ValueID]
        var incremental: Bool
    }
    /// Patched plans by patch identities and probes (see `patchedPlan`).
    var patchedPlans: [[String]: PatchedPlan] = [:]

    /// Loads and verifies the model at `path`.
    ///
    /// - Parameter options: limits for hostile files (largest tensor, nesting depth, node count).
    /// - Throws: ``ONNXPatchError/load(_:)`` naming the file and what is wrong with it.
    public init(path: String, options: ImportOptions = .init()) throws(ONNXPatchError) {
        let model: LoadedModel
        do {
            model = try ModelLoader.load(path: path, options: options)
        } catch {
            throw .load(error)
        }
        self.graph = model.graph
        self.path = path
        self.producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Sets the number of threads used by matrix products and parallel kernels.
    public static func setThreads(_ count: Int) {
        Kernels.setThreads(count)
    }

    /// The OpenBLAS kernels matrix products run on (e.g. "Haswell"), for benchmark reports.
    public static var blasCore: String { Kernels.blasCore }

    /// The value named `name` (a value name, or a node name meaning its first output).
    public func value(named name: String) -> ValueID? {
        if let index = graph.values.firstIndex(where: { $0.name == name }) { return ValueID(index) }
        return graph.nodeIndex(named: name).flatMap { graph.nodes[$0].outputs.first }
    }

    /// The plan fetching the graph outputs and `extra`, built on first use and kept. A plan for
    /// `incremental` runs (sweeps) keeps the nodes its region rules know (no view fusion).
    func plan(fetching extra: [ValueID], incremental: Bool = false) throws(ONNXPatchError) -> Plan {
        let key = PlanKey(extra: extra, incremental: incremental)
        if let plan = plans[key] { return plan }
        do {
            let plan = try Plan(
                graph: graph, fetches: graph.outputs + extra.filter { !graph.outputs.contains($0) },
                viewFusion: !incremental)
            plans[key] = plan
            return plan
        } catch {
            throw .run(error)
        }
    }

    /// Builds the execution plan now (it is otherwise built by the first run). Fails listing every
    /// unsupported op.
    public func prepare() throws(ONNXPatchError) {
        _ = try plan(fetching: [])
    }

    /// Runs the model on named inputs; returns every graph output by its ONNX name, in graph order,
    /// followed by the values named in `fetching` (value or node names).
    public func run(_ inputs: [String: Tensor], fetching names: [String] = []) throws(ONNXPatchError) -> [(name: String, tensor: Tensor)] {
        var extra: [ValueID] = []
        for name in names {
            guard let value = value(named: name) else { throw .input("the model has no value or node named '\(name)'") }
            extra.append(value)
        }
        let plan = try plan(fetching: extra)
        do {
            return try plan.run(inputs: inputs)
        } catch {
            throw .run(error)
        }
    }
}
