import Foundation
import GraphIR
import TensorCore
import Testing
@testable import Interpreter

@Suite struct ElementwiseFusionTests {
    /// GPT-2's GELU as the legacy exporter writes it (constants as rank-0 initializers, the cube
    /// as `Pow(x, 3)`), reading x and writing y.
    func geluGraph(exponent: Tensor = Tensor(shape: [], scalars: [Float(3)]), xType: DType = .float32)
        -> (Graph, [String: ValueID])
    {
        var g = Graph()
        var v: [String: ValueID] = [:]
        for name in ["x", "half", "three", "c", "k", "one", "m0", "p", "m1", "a0", "m2", "t", "a1", "y"] {
            v[name] = g.addValue(ValueInfo(name: name))
        }
        let scalar = { (value: Float) in Tensor(shape: [], scalars: [value]).castIfNeeded(to: xType) }
        g.initializers = [
            v["half"]!: scalar(0.5), v["three"]!: exponent, v["c"]!: scalar(0.044715), v["k"]!: scalar(0.797_884_56),
            v["one"]!: scalar(1),
        ]
        func node(_ name: String, _ op: String, _ inputs: [String], _ output: String) -> Node {
            Node(name: name, opType: op, inputs: inputs.map { v[$0]! }, outputs: [v[output]!])
        }
        g.nodes = [
            node("mul_half", "Mul", ["x", "half"], "m0"), node("pow", "Pow", ["x", "three"], "p"),
            node("mul_c", "Mul", ["c", "p"], "m1"), node("add_x", "Add", ["x", "m1"], "a0"),
            node("mul_k", "Mul", ["k", "a0"], "m2"), node("tanh", "Tanh", ["m2"], "t"),
            node("add_one", "Add", ["t", "one"], "a1"), node("mul_out", "Mul", ["m0", "a1"], "y"),
        ]
        g.inputs = [v["x"]!]
        g.outputs = [v["y"]!]
        return (g, v)
    }

    let x = Tensor(shape: [2, 3, 40], scalars: (0..<240).map { Float($0 - 120) / 20 })

    func gelu(_ v: Double) -> Double { 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v))) }

    @Test func theWholeChainIsOneStepWithTheFormulasResult() throws {
        let (g, _) = geluGraph()
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == ["FusedElementwise"])
        #expect(plan.graph.nodes.first?.name == "mul_out", "named like the chain's root")
        let y = try #require(try plan.run(inputs: ["x": x]).first?.tensor)
        #expect(y.shape == [2, 3, 40])
        for (got, v) in zip(y.scalars(as: Float.self), x.scalars(as: Float.self)) {
            #expect(abs(Double(got) - gelu(Double(v))) <= 1e-6 + 1e-5 * abs(gelu(Double(v))))
        }
    }

    @Test func fusedAndUnfusedResultsAreBitwiseEqual() throws {
        let (g, v) = geluGraph()
        let fused = try #require(try Plan(graph: g).run(inputs: ["x": x]).first?.tensor)
        let unfused = try #require(try eachNodeOnItsOwn(g, ["x": x])[v["y"]!])
        #expect(fused.scalars(as: Float.self) == unfused.scalars(as: Float.self))
    }

    @Test func aLoneNodeIsAChainOfOneWithItsOwnOpsResult() throws {
        let (g, v) = geluGraph()
        // Fetching every intermediate makes every node a chain of its own.
        let everything = ["m0", "p", "m1", "a0", "m2", "t", "a1"].map { v[$0]! }
        let plan = try Plan(graph: g, fetches: g.outputs + everything)
        #expect(plan.graph.nodes.map(\.opType) == [String](repeating: "FusedElementwise", count: 8))
        let outputs = try plan.run([g.inputs[0]: x])
        let reference = try eachNodeOnItsOwn(g, ["x": x])
        for value in g.outputs + everything {
            #expect(outputs[value]?.scalars(as: Float.self) == reference[value]?.scalars(as: Float.self))
        }
    }

    /// `Where(IsNaN(x), c, x)` as scaled-dot-product attention's export writes it, reading x
    /// (softmax output with fully masked rows) and writing y.
    func nanGuardGraph(xType: DType = .float32) -> (Graph, [String: ValueID]) {
        var g = Graph()
        var v: [String: ValueID] = [:]
        for name in ["x", "zero", "mask", "y"] { v[name] = g.addValue(ValueInfo(name: name)) }
        g.initializers = [v["zero"]!: Tensor(shape: [], scalars: [Float(0)]).castIfNeeded(to: xType)]
        g.nodes = [
            Node(name: "isnan", opType: "IsNaN", inputs: [v["x"]!], outputs: [v["mask"]!]),
            Node(name: "guard", opType: "Where", inputs: [v["mask"]!, v["zero"]!, v["x"]!], outputs: [v["y"]!]),
        ]
        g.inputs = [v["x"]!]
        g.outputs = [v["y"]!]
        return (g, v)
    }

    @Test(arguments: [DType.float32, .float64])
    func theNaNGuardIsOneStepWithTheTwoNodesResult(xType: DType) throws {
        let (g, _) = nanGuardGraph(xType: xType)
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == ["FusedElementwise"])
        #expect(plan.graph.nodes.first?.name == "guard")
        // NaN every 7th element, -inf every 11th, finite values otherwise.
        let values: [Float] = (0..<100).map { (i: Int) -> Float in
            if i % 7 == 3 { return .nan }
            if i % 11 == 5 { return -.infinity }
            return Float(i) / 8 - 6
        }
        let input = Tensor(shape: [4, 25], scalars: values).castIfNeeded(to: xType)
        let y = try #require(try plan.run(inputs: ["x": input]).first?.tensor)
        #expect(y.dtype == xType)
        let expected = values.map { $0.isNaN ? 0 : Double($0) }
        #expect(try y.cast(to: .float64).scalars(as: Double.self) == expected)
        let reference = try #require(try eachNodeOnItsOwn(g, ["x": input])[g.outputs[0]])
        #expect(try y.cast(to: .float64).scalars(as: Double.self) == reference.cast(to: .float64).scalars(as: Double.self))
    }

    @Test func aFetchedMaskKeepsTheNaNGuardAsTwoNodes() throws {
        let (g, v) = nanGuardGraph()
        let plan = try Plan(graph: g, fetches: g.outputs + [v["mask"]!])
        #expect(!plan.graph.nodes.contains { $0.opType == "ReplaceNaN" })
        let outputs = try plan.run([g.inputs[0]: Tensor(shape: [3], scalars: [Float.nan, 2, -1])])
        #expect(outputs[v["mask"]!]?.scalars(as: Bool.self) == [true, false, false])
        #expect(outputs[v["y"]!]?.scalars(as: Float.self) == [0, 2, -1])
    }

    @Test func aFetchedValueSplitsTheChainAndIsReturned() throws {
        let (g, v) = geluGraph()
        let plan = try Plan(graph: g, fetches: g.outputs + [v["t"]!])
        #expect(plan.graph.nodes.map(\.opType) == ["FusedElementwise", "FusedElementwise"])
        let outputs = try plan.run([g.inputs[0]: x])
        let t = try #require(outputs[v["t"]!])
        #expect(t.shape == [2, 3, 40])
        let first = x.scalars(as: Float.self)[0]
        let expected = tanh(0.797_884_56 * (Double(first) + 0.044715 * pow(Double(first), 3)))
        #expect(abs(Double(t.scalars(as: Float.self)[0]) - expected) < 1e-6)
    }

    @Test func aValueWithASecondReaderStaysAValue() throws {
        var (g, v) = geluGraph()
        let extra = g.addValue(ValueInfo(name: "extra"))
        g.nodes.append(Node(name: "relu", opType: "Relu", inputs: [v["m2"]!], outputs: [extra]))
        g.outputs.append(extra)
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType).sorted() == ["FusedElementwise", "FusedElementwise", "Relu"])
        #expect(plan.graph.values[plan.graph.nodes[0].outputs[0].index].name == "m2", "m2 ends the first chain")
    }

    @Test(arguments: [
        Tensor(shape: [], scalars: [Int64(3)]), Tensor(shape: [], scalars: [Double(3)]),
    ]) func otherExponentTypesFuseToo(exponent: Tensor) throws {
        let (g, _) = geluGraph(exponent: exponent)
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == ["FusedElementwise"])
        let y = try #require(try plan.run(inputs: ["x": x]).first?.tensor)
        let last = x.scalars(as: Float.self)[239]
        #expect(abs(Double(y.scalars(as: Float.self)[239]) - gelu(Double(last))) < 1e-5)
    }

    @Test func anExponentThatIsNoScalarTwoOrThreeStaysAPow() throws {
        let (g, _) = geluGraph(exponent: Tensor(shape: [1], scalars: [Float(3)]))
        #expect(try Plan(graph: g).graph.nodes.map(\.opType).contains("Pow"))
    }

    /// float64 is no fast-path type: the chain's own ops run, with their float64 results.
    @Test func float64RunsTheOpsOneByOne() throws {
        let (g, _) = geluGraph(xType: .float64)
        let x64 = Tensor(shape: [3], scalars: [-1.5, 0.25, 2.0])
        let y = try #require(try Plan(graph: g).run(inputs: ["x": x64]).first?.tensor)
        #expect(y.dtype == .float64)
        for (got, v) in zip(y.scalars(as: Double.self), [-1.5, 0.25, 2.0]) { #expect(abs(got - gelu(v)) < 1e-7) }
    }

    /// RMSNorm's tail: x / sqrt(mean + eps) · w with mean [2, 3, 1] repeated over the last axis
    /// and w [4] over the leading ones.
    @Test func perRowAndPerColumnOperandsBroadcast() throws {
        var g = Graph()
        let names = ["x", "mean", "eps", "w", "s0", "s1", "d", "y"]
        var v: [String: ValueID] = [:]
        for name in names { v[name] = g.addValue(ValueInfo(name: name)) }
        g.initializers = [v["eps"]!: Tensor(shape: [], scalars: [Float(1e-5)]), v["w"]!: Tensor(shape: [4], scalars: [Float(1), 2, 3, 4])]
        g.nodes = [
            Node(name: "add", opType: "Add", inputs: [v["mean"]!, v["eps"]!], outputs: [v["s0"]!]),
            Node(name: "sqrt", opType: "Sqrt", inputs: [v["s0"]!], outputs: [v["s1"]!]),
            Node(name: "div", opType: "Div", inputs: [v["x"]!, v["s1"]!], outputs: [v["d"]!]),
            Node(name: "mul", opType: "Mul", inputs: [v["d"]!, v["w"]!], outputs: [v["y"]!]),
        ]
        g.inputs = [v["x"]!, v["mean"]!]
        g.outputs = [v["y"]!]
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == ["FusedElementwise"])
        let xs = (0..<24).map { Float($0) - 11 }, means = (0..<6).map { Float($0) + 0.5 }
        let y = try #require(
            try plan.run(inputs: ["x": Tensor(shape: [2, 3, 4], scalars: xs), "mean": Tensor(shape: [2, 3, 1], scalars: means)])
                .first?.tensor)
        var expected: [Float] = []
        for i in 0..<24 {
            let root: Float = (means[i / 4] + Float(1e-5)).squareRoot()
            expected.append(xs[i] / root * Float(i % 4 + 1))
        }
        #expect(y.scalars(as: Float.self) == expected)
    }

    @Test func aBroadcastErrorNamesTheMemberNode() throws {
        let (g, _) = geluGraph()
        var bad = g
        let odd = bad.addValue(ValueInfo(name: "odd"))
        bad.inputs.append(odd)
        bad.nodes[2].inputs = [odd, bad.nodes[1].outputs[0]]  // mul_c: odd · x³
        let plan = try Plan(graph: bad)
        #expect(plan.graph.nodes.map(\.opType) == ["FusedElementwise"])
        do {
            _ = try plan.run(inputs: ["x": x, "odd": Tensor(shape: [7], scalars: [Float](repeating: 1, count: 7))])
            Issue.record("shapes [2, 3, 40] and [7] must not broadcast")
        } catch {
            #expect("\(error)".hasPrefix("node 'mul_c' (Mul):"), "\(error)")
        }
    }
}

extension Tensor {
    func castIfNeeded(to dtype: DType) -> Tensor {
        dtype == self.dtype ? self : (try? cast(to: dtype)) ?? self
    }
}

/// Every node of `g` run by its own op (as `runOp` binds it, outside any plan), in order: the
/// unfused reference for fused steps.
func eachNodeOnItsOwn(_ g: Graph, _ inputs: [String: Tensor], opset: Int = 18) throws -> [ValueID: Tensor] {
    var values = g.initializers
    for input in g.inputs { values[input] = inputs[g.values[input.index].name] }
    for node in g.nodes {
        values[node.outputs[0]] = try runOp(
            node.opType, node.inputs.map { $0.flatMap { values[$0] } }, attributes: node.attributes, opset: opset)[0]
    }
    return values
}
