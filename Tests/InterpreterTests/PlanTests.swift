import GraphIR
import TensorCore
import Testing
@testable import Interpreter

/// Counts calls of the fake ops below, so tests can see what the plan ran.
final class CallCounter: @unchecked Sendable {
    var calls: [String: Int] = [:]
}

/// A fake op: adds `amount` to each float element, counting calls.
struct AddConstant: Operator {
    let amount: Float
    let counter: CallCounter
    let label: String
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        counter.calls[label, default: 0] += 1
        let x = try inputs.required(0)
        return [Tensor(shape: x.shape, scalars: x.scalars(as: Float.self).map { $0 + amount })]
    }
}

/// A fake `Shape`: the input's shape as int64, counting calls.
struct FakeShape: Operator {
    let counter: CallCounter
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        counter.calls["Shape", default: 0] += 1
        return [Tensor(try inputs.required(0).shape.map(Int64.init))]
    }
}

/// A fake op that sums a float tensor and an int64 tensor elementwise (broadcast not needed).
struct AddShapeSum: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let s = Float(try inputs.required(1).intValues().reduce(0, +))
        return [Tensor(shape: x.shape, scalars: x.scalars(as: Float.self).map { $0 + s })]
    }
}

@Suite struct PlanTests {
    let counter = CallCounter()

    func registry() -> OpRegistry {
        var r = OpRegistry()
        let counter = self.counter
        r.register("AddOne") { _ in AddConstant(amount: 1, counter: counter, label: "AddOne") }
        r.register("AddTen", since: 13) { _ in AddConstant(amount: 10, counter: counter, label: "AddTen13") }
        r.register("AddTen", since: 1) { _ in AddConstant(amount: 100, counter: counter, label: "AddTen1") }
        r.register("Shape") { _ in FakeShape(counter: counter) }
        r.register("AddShapeSum") { _ in AddShapeSum() }
        return r
    }

    /// x → AddOne → a; w (initializer) → AddTen → c (constant, folded); a, shape(x) → AddShapeSum → y
    func graph(opset: Int = 18) -> Graph {
        var g = Graph(opsetImports: ["": opset])
        let x = g.addValue(ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("n")]))
        let w = g.addValue(ValueInfo(name: "w"))
        let a = g.addValue(ValueInfo(name: "a"))
        let c = g.addValue(ValueInfo(name: "c"))
        let s = g.addValue(ValueInfo(name: "s"))
        let y = g.addValue(ValueInfo(name: "y"))
        g.inputs = [x]
        g.outputs = [y, c]
        g.initializers = [w: Tensor([1] as [Float])]
        g.nodes = [
            Node(name: "one", opType: "AddOne", inputs: [x], outputs: [a]),
            Node(name: "ten", opType: "AddTen", inputs: [w], outputs: [c]),
            Node(name: "shape", opType: "Shape", inputs: [x], outputs: [s]),
            Node(name: "sum", opType: "AddShapeSum", inputs: [a, s], outputs: [y]),
        ]
        return g
    }

    @Test func runsAndFoldsConstantsOnce() throws {
        let plan = try Plan(graph: graph(), registry: registry())
        #expect(counter.calls["AddTen13"] == 1)
        for _ in 0..<3 {
            let out = try plan.run(inputs: ["x": Tensor([1, 2] as [Float])])
            #expect(out.map(\.name) == ["y", "c"])
            #expect(out[0].tensor.scalars(as: Float.self) == [4, 5])  // x + 1 + len(x)
            #expect(out[1].tensor.scalars(as: Float.self) == [11])
        }
        #expect(counter.calls["AddTen13"] == 1)
        #expect(counter.calls["AddOne"] == 3)
    }

    @Test func picksTheNewestVersionNotAfterTheOpset() throws {
        _ = try Plan(graph: graph(opset: 12), registry: registry())
        #expect(counter.calls["AddTen1"] == 1)
        #expect(counter.calls["AddTen13"] == nil)
    }

    @Test func shapeChainsRunOncePerInputShape() throws {
        let plan = try Plan(graph: graph(), registry: registry())
        _ = try plan.run(inputs: ["x": Tensor([1, 2] as [Float])])
        _ = try plan.run(inputs: ["x": Tensor([5, 6] as [Float])])
        #expect(counter.calls["Shape"] == 1)
        let out = try plan.run(inputs: ["x": Tensor([1, 2, 3] as [Float])])
        #expect(counter.calls["Shape"] == 2)
        #expect(out[0].tensor.scalars(as: Float.self) == [5, 6, 7])
    }

    @Test func freesValuesAfterTheirLastUse() throws {
        let plan = try Plan(graph: graph(), registry: registry())
        let freed = Set(plan.steps.flatMap(\.frees))
        #expect(freed.contains(2))   // a, read only by "sum"
        #expect(!freed.contains(5))  // y is fetched
    }

    @Test func listsEveryUnsupportedOp() {
        var g = graph()
        g.nodes[0].opType = "Mystery"
        g.nodes[3].opType = "Enigma"
        #expect {
            _ = try Plan(graph: g, registry: registry())
        } throws: { error in
            let text = "\(error)"
            return text.contains("Mystery (opset 18)") && text.contains("Enigma (opset 18)") && text.contains("'one'")
        }
    }

    @Test func checksInputs() throws {
        let plan = try Plan(graph: graph(), registry: registry())
        #expect(throws: InterpreterError.self) { try plan.run(inputs: [:]) }
        #expect { try plan.run(inputs: ["x": Tensor([1] as [Int64])]) } throws: {
            "\($0)" == "input 'x': expected float32, got int64"
        }
        #expect { try plan.run(inputs: ["x": Tensor(shape: [1, 1], scalars: [1] as [Float])]) } throws: {
            "\($0)".contains("expected shape [n] (rank 1)")
        }
        #expect { try plan.run(inputs: ["x": Tensor([1] as [Float]), "q": Tensor([1] as [Float])]) } throws: {
            "\($0)".contains("no input 'q'")
        }
    }

    @Test func opFailuresNameTheNode() throws {
        var g = graph()
        g.nodes[3].inputs = [ValueID(2), nil]
        let plan = try Plan(graph: g, registry: registry())
        #expect { try plan.run(inputs: ["x": Tensor([1] as [Float])]) } throws: {
            "\($0)" == "node 'sum' (AddShapeSum): input 1 is required but missing"
        }
    }
}
