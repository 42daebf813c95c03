import GraphIR
import TensorCore
import Testing
@testable import Interpreter

/// Products reading their operands through Reshape, Transpose, Split and scalar Mul nodes, and
/// writing through their result's Transpose, without the copies: against a naive attention in
/// Double and against the same graph planned without the fusion.
@Suite struct ViewFusionTests {
    static let (sequence, heads, width) = (5, 2, 4)
    static let scale: Float = 0.7

    /// GPT-2's attention as the dynamo exporter writes it: the fused QKV projection x (S, 3·H·D)
    /// split into q, k, v, each to (1, H, S, D); k further to (H, D, S) and back to (1, H, D, S),
    /// with a Shape of k on the way; q and k scaled; softmax left out; heads merged back.
    func attentionGraph(dtype: DType = .float32, qShape: [Int64]? = nil) -> (Graph, [String: ValueID]) {
        let (s, h, d) = (Int64(Self.sequence), Int64(Self.heads), Int64(Self.width))
        var g = Graph()
        var v: [String: ValueID] = [:]
        func value(_ name: String) -> ValueID {
            if let id = v[name] { return id }
            let id = g.addValue(ValueInfo(name: name))
            v[name] = id
            return id
        }
        func constant(_ name: String, _ values: [Int64]) {
            g.initializers[value(name)] = Tensor(values)
        }
        constant("shape3", [1, -1, 3 * h * d])
        constant("heads", [1, s, h, d])
        constant("qheads", qShape ?? [1, s, h, d])
        constant("flat", [h, s, d])
        constant("keys", [1, h, d, s])
        constant("merged", [s, h * d])
        g.initializers[value("scale")] = Tensor(shape: [], scalars: [Self.scale]).castIfNeeded(to: dtype)
        func node(_ name: String, _ op: String, _ inputs: [String], _ outputs: [String],
                  _ attributes: [String: Attribute] = [:]) -> Node {
            Node(name: name, opType: op, inputs: inputs.map(value), outputs: outputs.map(value), attributes: attributes)
        }
        g.nodes = [
            node("r0", "Reshape", ["x", "shape3"], ["x3"]),
            node("split", "Split", ["x3"], ["q0", "k0", "v0"], ["axis": .int(2), "num_outputs": .int(3)]),
            node("rq", "Reshape", ["q0", "qheads"], ["q1"]),
            node("tq", "Transpose", ["q1"], ["q2"], ["perm": .ints([0, 2, 1, 3])]),
            node("mq", "Mul", ["q2", "scale"], ["q"]),
            node("rk", "Reshape", ["k0", "heads"], ["k1"]),
            node("tk", "Transpose", ["k1"], ["k2"], ["perm": .ints([0, 2, 1, 3])]),
            node("shape_k", "Shape", ["k2"], ["k_shape"]),
            node("rk2", "Reshape", ["k2", "flat"], ["k3"]),
            node("tk2", "Transpose", ["k3"], ["k4"], ["perm": .ints([0, 2, 1])]),
            node("rk3", "Reshape", ["k4", "keys"], ["k5"]),
            node("mk", "Mul", ["scale", "k5"], ["k"]),
            node("rv", "Reshape", ["v0", "heads"], ["v1"]),
            node("tv", "Transpose", ["v1"], ["v"], ["perm": .ints([0, 2, 1, 3])]),
            node("scores", "MatMul", ["q", "k"], ["p"]),
            node("attend", "MatMul", ["p", "v"], ["o"]),
            node("to", "Transpose", ["o"], ["o1"], ["perm": .ints([0, 2, 1, 3])]),
            node("ro", "Reshape", ["o1", "merged"], ["y"]),
        ]
        g.inputs = [value("x")]
        g.outputs = [value("y"), value("k_shape")]
        return (g, v)
    }

    static var input: [Float] {
        (0..<(sequence * 3 * heads * width)).map { Float(($0 * 29) % 23) / 11 - 1 }
    }

    /// The attention of `attentionGraph` in Double, loop by loop: (S, H·D).
    static func naive() -> [Double] {
        let (s, h, d) = (sequence, heads, width)
        let x = input.map(Double.init), c = Double(scale)
        func at(_ row: Int, _ part: Int, _ head: Int, _ i: Int) -> Double { x[row * 3 * h * d + part * h * d + head * d + i] }
        var y = [Double](repeating: 0, count: s * h * d)
        for head in 0..<h {
            for i in 0..<s {
                for j in 0..<s {
                    var score = 0.0
                    for e in 0..<d { score += at(i, 0, head, e) * c * at(j, 1, head, e) * c }
                    for e in 0..<d { y[i * h * d + head * d + e] += score * at(j, 2, head, e) }
                }
            }
        }
        return y
    }

    @Test func attentionReadsItsHeadsWhereTheyLie() throws {
        let (g, _) = attentionGraph()
        let plan = try Plan(graph: g)
        let ops = plan.graph.nodes.map(\.opType)
        #expect(ops.filter { $0 == Plan.matMulViewsOpType }.count == 2)
        #expect(ops.contains(Plan.viewShapeOpType))
        #expect(!ops.contains("Transpose") && !ops.contains("Split") && !ops.contains("Mul") && !ops.contains("MatMul"))
        #expect(plan.graph.nodes.contains { $0.name == "to" }, "named like the node whose output leaves it")
        let x = Tensor(shape: [Self.sequence, 3 * Self.heads * Self.width], scalars: Self.input)
        let outputs = try plan.run(inputs: ["x": x])
        let y = try #require(outputs.first?.tensor)
        #expect(y.shape == [Self.sequence, Self.heads * Self.width])
        let expected = Self.naive()
        #expect(zip(y.scalars(as: Float.self), expected).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) })
        #expect(outputs.last?.tensor.scalars(as: Int64.self) == [1, 2, 5, 4])
        // The same graph with its copies: equal but for the scales' rounding.
        let unfused = try Plan(graph: g, viewFusion: false)
        #expect(unfused.graph.nodes.contains { $0.opType == "Transpose" })
        let reference = try #require(try unfused.run(inputs: ["x": x]).first?.tensor)
        #expect(zip(y.scalars(as: Float.self), reference.scalars(as: Float.self)).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test func aFetchedHeadIsMadeAndTheSplitKept() throws {
        let (g, v) = attentionGraph()
        let plan = try Plan(graph: g, fetches: g.outputs + [v["q2"]!])
        let ops = plan.graph.nodes.map(\.opType)
        #expect(ops.contains("Split") && ops.contains("Transpose"), "q2 is computed, so its Split stays")
        #expect(ops.filter { $0 == Plan.matMulViewsOpType }.count == 2)
        let x = Tensor(shape: [Self.sequence, 3 * Self.heads * Self.width], scalars: Self.input)
        let outputs = try plan.run(inputs: ["x": x])
        let expected = Self.naive()
        let y = try #require(outputs.first?.tensor)
        #expect(zip(y.scalars(as: Float.self), expected).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) })
        #expect(outputs.last?.tensor.shape == [1, Self.heads, Self.sequence, Self.width])
    }

    @Test func otherTypesRunTheNodesOneByOne() throws {
        let (g, _) = attentionGraph(dtype: .float64)
        let x = Tensor(shape: [Self.sequence, 3 * Self.heads * Self.width], scalars: Self.input.map(Double.init))
        let fused = try #require(try Plan(graph: g).run(inputs: ["x": x]).first?.tensor)
        let unfused = try #require(try Plan(graph: g, viewFusion: false).run(inputs: ["x": x]).first?.tensor)
        #expect(fused.scalars(as: Double.self) == unfused.scalars(as: Double.self))
    }

    @Test func aMemberErrorNamesTheMember() throws {
        let (g, _) = attentionGraph(qShape: [1, 5, 3, 4])
        let x = Tensor(shape: [Self.sequence, 3 * Self.heads * Self.width], scalars: Self.input)
        #expect {
            _ = try Plan(graph: g).run(inputs: ["x": x])
        } throws: { error in
            guard case .node(let name, let opType, _) = error as? InterpreterError else { return false }
            return name == "rq" && opType == "Reshape"
        }
    }

    /// A (2, 3, 4) through Transpose(1, 0, 2) then merged to (3, 8): no strides say that, so the
    /// members run; a transposed A and a batch broadcast over a shared B take the fast path.
    @Test(arguments: [false, true])
    func viewsBLASCannotReadRunTheMembers(expressible: Bool) throws {
        var g = Graph()
        let a = g.addValue(ValueInfo(name: "a")), t = g.addValue(ValueInfo(name: "t"))
        let r = g.addValue(ValueInfo(name: "r")), shape = g.addValue(ValueInfo(name: "shape"))
        let w = g.addValue(ValueInfo(name: "w")), y = g.addValue(ValueInfo(name: "y"))
        g.initializers[shape] = Tensor(expressible ? [2, 3, 4] as [Int64] : [3, 8])
        let k = expressible ? 4 : 8
        g.initializers[w] = Tensor(shape: [k, 5], scalars: (0..<(k * 5)).map { Float($0 % 7) - 3 })
        g.nodes = [
            Node(name: "t", opType: "Transpose", inputs: [a], outputs: [t], attributes: ["perm": .ints([1, 0, 2])]),
            Node(name: "r", opType: "Reshape", inputs: [t, shape], outputs: [r]),
            Node(name: "mm", opType: "MatMul", inputs: [r, w], outputs: [y]),
        ]
        g.inputs = [a]
        g.outputs = [y]
        let plan = try Plan(graph: g)
        #expect(plan.graph.nodes.map(\.opType) == [Plan.matMulViewsOpType])
        let input = Tensor(shape: [3, 2, 4], scalars: (0..<24).map { Float($0) / 8 - 1 })
        let fused = try #require(try plan.run(inputs: ["a": input]).first?.tensor)
        let unfused = try #require(try Plan(graph: g, viewFusion: false).run(inputs: ["a": input]).first?.tensor)
        #expect(fused.shape == unfused.shape)
        #expect(fused.scalars(as: Float.self) == unfused.scalars(as: Float.self))
    }

    @Test func reshapedViewsFollowTheStrides() {
        // (2, 3, 4) row-major, its last two axes swapped: (2, 4, 3) with strides (12, 1, 4).
        let swapped = StridedView(contiguous: [2, 3, 4]).transposed([0, 2, 1])
        #expect(swapped.strides == [12, 1, 4])
        // Splitting or merging the outer axis with a unit axis keeps the inner strides.
        #expect(swapped.reshaped([1, 2, 4, 3])?.strides.suffix(3) == [12, 1, 4])
        #expect(swapped.reshaped([2, 2, 2, 3])?.strides == [12, 2, 1, 4])
        // Axes 1 and 2 do not nest in memory: no view merges them.
        #expect(swapped.reshaped([2, 12]) == nil)
        // A contiguous slice along the last axis: rows keep the full row's stride.
        let half = StridedView(contiguous: [5, 24]).sliced(axis: 1, start: 8, count: 8)
        #expect(half.offset == 8)
        #expect(half.reshaped([5, 2, 4])?.strides == [24, 4, 1])
        #expect(half.reshaped([40]) == nil)
        #expect(StridedView(contiguous: [0, 3]).reshaped([3, 0]) == nil, "empty views are left to the members")
    }
}
