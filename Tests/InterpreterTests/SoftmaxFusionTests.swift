import Foundation
import GraphIR
import TensorCore
import Testing
@testable import Interpreter

/// Attention's mask Add, Softmax and NaN guard as one step, against the nodes run one by one.
@Suite struct SoftmaxFusionTests {
    /// scores + mask → Softmax(axis) → Where(IsNaN(p), 0, p), as scaled-dot-product attention's
    /// export writes it.
    func attentionGraph(axis: Int = -1, dtype: DType = .float32) -> (Graph, [String: ValueID]) {
        var g = Graph()
        var v: [String: ValueID] = [:]
        for name in ["scores", "mask", "masked", "p", "isnan", "zero", "y"] { v[name] = g.addValue(ValueInfo(name: name)) }
        g.initializers = [v["zero"]!: Tensor(shape: [], scalars: [Float(0)]).castIfNeeded(to: dtype)]
        g.nodes = [
            Node(name: "add_mask", opType: "Add", inputs: [v["scores"]!, v["mask"]!], outputs: [v["masked"]!]),
            Node(name: "softmax", opType: "Softmax", inputs: [v["masked"]!], outputs: [v["p"]!],
                 attributes: ["axis": .int(axis)]),
            Node(name: "isnan", opType: "IsNaN", inputs: [v["p"]!], outputs: [v["isnan"]!]),
            Node(name: "guard", opType: "Where", inputs: [v["isnan"]!, v["zero"]!, v["p"]!], outputs: [v["y"]!]),
        ]
        g.inputs = [v["scores"]!, v["mask"]!]
        g.outputs = [v["y"]!]
        return (g, v)
    }

    /// Scores (1, 2 heads, 5 queries, 37 keys) and a causal mask (1, 1, 5, 37) of the float
    /// minimum, whose query 3 masks every key with −inf (its softmax is NaN, the guard's 0).
    func inputs(_ dtype: DType = .float32) -> [String: Tensor] {
        let (heads, queries, keys) = (2, 5, 37)
        let scores = (0..<(heads * queries * keys)).map { Float(($0 * 37) % 101) / 10 - 5 }
        var mask = [Float](repeating: 0, count: queries * keys)
        for q in 0..<queries {
            for k in 0..<keys where k > q + 30 || q == 3 { mask[q * keys + k] = q == 3 ? -.infinity : -Float.greatestFiniteMagnitude }
        }
        return [
            "scores": Tensor(shape: [1, heads, queries, keys], scalars: scores).castIfNeeded(to: dtype),
            "mask": Tensor(shape: [1, 1, queries, keys], scalars: mask).castIfNeeded(to: dtype),
        ]
    }

    @Test func maskSoftmaxAndGuardAreOneStepWithTheNodesResult() throws {
        let (g, v) = attentionGraph()
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == [Plan.fusedSoftmaxOpType])
        #expect(plan.graph.nodes.first?.name == "guard", "named like the node whose output leaves")
        let y = try #require(try plan.run(inputs: inputs()).first?.tensor)
        let reference = try #require(try eachNodeOnItsOwn(g, inputs())[v["y"]!])
        #expect(y.shape == [1, 2, 5, 37])
        #expect(y.scalars(as: Float.self) == reference.scalars(as: Float.self))
        // The fully masked query is all zeros; every other row sums to 1.
        let values = y.scalars(as: Float.self)
        for row in 0..<10 {
            let sum = values[(row * 37)..<((row + 1) * 37)].reduce(0, +)
            #expect(abs(sum - (row % 5 == 3 ? 0 : 1)) < 1e-5, "row \(row)")
        }
    }

    @Test func aFetchedSoftmaxKeepsTheGuardApart() throws {
        let (g, v) = attentionGraph()
        let plan = try Plan(graph: g, fetches: g.outputs + [v["p"]!])
        #expect(plan.graph.nodes.map(\.opType) == [Plan.fusedSoftmaxOpType, "FusedElementwise"])
        #expect(plan.graph.nodes.first?.name == "softmax")
        let outputs = try plan.run([g.inputs[0]: inputs()["scores"]!, g.inputs[1]: inputs()["mask"]!])
        let reference = try eachNodeOnItsOwn(g, inputs())
        for value in [v["p"]!, v["y"]!] {
            // Bit patterns: the fully masked query's probabilities are NaN.
            #expect(outputs[value]?.scalars(as: Float.self).map(\.bitPattern)
                == reference[value]?.scalars(as: Float.self).map(\.bitPattern))
        }
        #expect(outputs[v["p"]!]?.scalars(as: Float.self).contains { $0.isNaN } == true)
    }

    @Test(arguments: [(axis: 2, dtype: DType.float32), (axis: -1, dtype: .float64)])
    func otherAxesAndTypesRunTheNodesOneByOne(axis: Int, dtype: DType) throws {
        let (g, v) = attentionGraph(axis: axis, dtype: dtype)
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == [Plan.fusedSoftmaxOpType])
        let y = try #require(try plan.run(inputs: inputs(dtype)).first?.tensor)
        let reference = try #require(try eachNodeOnItsOwn(g, inputs(dtype))[v["y"]!])
        #expect(y.dtype == dtype)
        #expect(try y.cast(to: .float64).scalars(as: Double.self) == reference.cast(to: .float64).scalars(as: Double.self))
    }

    @Test func aMemberErrorNamesTheMember() throws {
        let (g, _) = attentionGraph()
        let plan = try Plan(graph: g)
        let bad = ["scores": Tensor(shape: [2, 3], scalars: [Float](repeating: 0, count: 6)),
                   "mask": Tensor(shape: [4], scalars: [Float](repeating: 0, count: 4))]
        #expect {
            _ = try plan.run(inputs: bad)
        } throws: { error in
            "\(error)".contains("add_mask")
        }
    }
}
