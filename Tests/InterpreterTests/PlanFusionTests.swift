import GraphIR
import TensorCore
import Testing
@testable import Interpreter

@Suite struct PlanFusionTests {
    /// y = x · Transpose(w, perm) with x (2, 2, 3); w (4, 3) or (2, 4, 3).
    func graph(wShape: [Int], perm: [Int]?, probeTranspose: Bool = false) -> (Graph, ValueID) {
        var g = Graph()
        let x = g.addValue(ValueInfo(name: "x", dtype: .float32, shape: [.known(2), .known(2), .known(3)]))
        let w = g.addValue(ValueInfo(name: "w"))
        let t = g.addValue(ValueInfo(name: "t"))
        let y = g.addValue(ValueInfo(name: "y"))
        g.inputs = [x]
        g.outputs = [y]
        g.initializers = [w: Tensor(shape: wShape, scalars: (0..<wShape.reduce(1, *)).map { Float($0) })]
        g.nodes = [Node(name: "tr", opType: "Transpose", inputs: [w], outputs: [t], attributes: perm.map { ["perm": .ints($0)] } ?? [:]),
                   Node(name: "mm", opType: "MatMul", inputs: [x, t], outputs: [y])]
        return (g, t)
    }

    let x = Tensor(shape: [2, 2, 3], scalars: (0..<12).map { Float($0) - 5 })

    /// numpy: x @ w.swapaxes(-1, -2)
    func reference(_ w: Tensor) -> [Float] {
        let ws = w.shape, xs = x.scalars(as: Float.self), wv = w.scalars(as: Float.self)
        let n = ws[ws.count - 2], k = 3
        var out: [Float] = []
        for b in 0..<2 {
            for i in 0..<2 {
                for j in 0..<n {
                    let wb = ws.count == 3 ? b * n * k : 0
                    out.append((0..<k).reduce(0) { $0 + xs[b * 6 + i * 3 + $1] * wv[wb + j * k + $1] })
                }
            }
        }
        return out
    }

    @Test(arguments: [([4, 3], [1, 0] as [Int]?), ([4, 3], nil), ([2, 4, 3], [0, 2, 1])])
    func transposeFoldsIntoTheMatMul(wShape: [Int], perm: [Int]?) throws {
        let (g, _) = graph(wShape: wShape, perm: perm)
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == ["MatMulTransposedB"])
        #expect(plan.steps.count == 1, "no transposed copy is folded or computed")
        let y = try #require(try plan.run(inputs: ["x": x]).first?.tensor)
        #expect(y.scalars(as: Float.self) == reference(try #require(g.initializers.values.first)))
    }

    @Test func aFetchedTransposeIsKept() throws {
        let (g, t) = graph(wShape: [4, 3], perm: [1, 0])
        let plan = try Plan(graph: g, fetches: g.outputs + [t])
        #expect(plan.graph.nodes.map(\.opType) == ["Transpose", "MatMul"])
    }

    @Test func otherPermutationsAreKept() throws {
        let (g, _) = graph(wShape: [2, 4, 3], perm: [1, 0, 2])
        #expect(throws: InterpreterError.self) { _ = try Plan(graph: g).run(inputs: ["x": x]) }
        // Not as MatMulTransposedB; the view fusion takes it, and its MatMul reports the error.
        #expect(try Plan(graph: g, viewFusion: false).graph.nodes.map(\.opType) == ["Transpose", "MatMul"])
        #expect(try Plan(graph: g).graph.nodes.map(\.opType) == ["MatMulViews"])
    }
}
