import GraphIR
import Interpreter
import TensorCore
import Testing

// Hand-computed checks of the misc family (Sources/Interpreter/Ops/Misc) that run without the
// generated node suite, so `swift test` exercises these ops even where the suite is absent.

/// Runs one op of the standard registry on `inputs` (nil = omitted optional input).
private func run(
    _ opType: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:], opset: Int = 21,
    domain: String = "", outputs: Int = 1
) throws -> [Tensor] {
    var graph = Graph()
    let ids = inputs.enumerated().map { i, t in t == nil ? nil : graph.addValue(ValueInfo(name: "in\(i)")) }
    let outs = (0..<outputs).map { graph.addValue(ValueInfo(name: "out\($0)")) }
    let node = Node(
        name: "n", opType: opType, domain: domain, inputs: ids, outputs: outs, attributes: attributes)
    guard let factory = OpRegistry.standard.factory(opType: opType, domain: domain, opset: opset) else {
        throw OpError("no \(opType) at opset \(opset)")
    }
    return try factory(OpContext(node: node, opset: opset)).callAsFunction(inputs)
}

@Suite("Misc ops")
struct MiscOpsTests {
    @Test("TopK keeps the lower index first among equal values, largest or smallest")
    func topK() throws {
        let x = Tensor([1, 3, 3, 2] as [Float])
        let largest = try run("TopK", [x, Tensor([Int64(2)])], outputs: 2)
        #expect(largest[0].scalars(as: Float.self) == [3, 3])
        #expect(largest[1].scalars(as: Int64.self) == [1, 2])
        let smallest = try run("TopK", [x, Tensor([Int64(2)])], ["largest": .int(0)], outputs: 2)
        #expect(smallest[0].scalars(as: Float.self) == [1, 2])
        #expect(smallest[1].scalars(as: Int64.self) == [0, 3])
        #expect(throws: OpError.self) { try run("TopK", [x, Tensor([Int64(5)])], outputs: 2) }
    }

    @Test("Unique in order of first occurrence, with indices, inverse and counts")
    func unique() throws {
        let out = try run("Unique", [Tensor([2, 1, 1, 3, 2] as [Int64])], ["sorted": .int(0)], outputs: 4)
        #expect(out[0].scalars(as: Int64.self) == [2, 1, 3])
        #expect(out[1].scalars(as: Int64.self) == [0, 1, 3])
        #expect(out[2].scalars(as: Int64.self) == [0, 1, 1, 2, 0])
        #expect(out[3].scalars(as: Int64.self) == [2, 2, 1])
    }

    @Test("BitShift: arithmetic right shift, wrapping left shift, 0 past the bit width")
    func bitShift() throws {
        let right = try run(
            "BitShift", [Tensor([-128, 64] as [Int8]), Tensor([1, 9] as [Int8])],
            ["direction": .string("RIGHT")])
        #expect(right[0].scalars(as: Int8.self) == [-64, 0])
        let left = try run(
            "BitShift", [Tensor([0x81, 1] as [UInt8]), Tensor([1, 8] as [UInt8])],
            ["direction": .string("LEFT")])
        #expect(left[0].scalars(as: UInt8.self) == [0x02, 0])
    }

    @Test("NegativeLogLikelihoodLoss: mean over the weights of non-ignored targets")
    func nllLoss() throws {
        // input (N=2, C=3); targets 2 and 0, the second ignored.
        let input = Tensor(shape: [2, 3], scalars: [-1, -2, -3, -4, -5, -6] as [Float])
        let target = Tensor([2, 0] as [Int64])
        let weight = Tensor([1, 1, 2] as [Float])
        let mean = try run(
            "NegativeLogLikelihoodLoss", [input, target, weight], ["ignore_index": .int(0)], opset: 13)
        #expect(mean[0].shape == [] && mean[0].scalars(as: Float.self) == [3])  // (3·2) / 2
        let none = try run(
            "NegativeLogLikelihoodLoss", [input, target], ["reduction": .string("none")], opset: 13)
        #expect(none[0].scalars(as: Float.self) == [3, 4])
    }

    @Test("QuantizeLinear rounds half to even and saturates; DequantizeLinear per axis")
    func quantization() throws {
        let q = try run(
            "QuantizeLinear",
            [
                Tensor([0.5, 1.5, 2.5, -0.5, 300] as [Float]), Tensor(scalar: Float(1)),
                Tensor(scalar: UInt8(0)),
            ])
        #expect(q[0].scalars(as: UInt8.self) == [0, 2, 2, 0, 255])
        let x = Tensor(shape: [2, 2], scalars: [10, 20, 30, 40] as [Int8])
        let d = try run(
            "DequantizeLinear", [x, Tensor([0.5, 2] as [Float]), Tensor([0, 10] as [Int8])], ["axis": .int(1)]
        )
        #expect(d[0].scalars(as: Float.self) == [5, 20, 15, 60])
        let zero4 = try Tensor([0] as [Int8]).cast(to: .int4).reshaped([])
        let i4 = try run(
            "QuantizeLinear", [Tensor([7.4, -9, 20] as [Float]), Tensor(scalar: Float(1)), zero4])
        #expect(i4[0].dtype == .int4)
        #expect(try i4[0].intValues() == [7, -8, 7])
    }

    @Test("Det of 2×2 and 3×3 matrices")
    func det() throws {
        let x = Tensor(shape: [2, 2, 2], scalars: [1, 2, 3, 4, 2, 0, 0, 3] as [Float])
        #expect(try run("Det", [x])[0].scalars(as: Float.self) == [-2, 6])
        let singular = Tensor(shape: [3, 3], scalars: [1, 2, 3, 2, 4, 6, 0, 1, 1] as [Double])
        #expect(try run("Det", [singular])[0].scalars(as: Double.self) == [0])
    }

    @Test("DFT of an impulse is flat; the inverse brings it back")
    func dft() throws {
        let impulse = Tensor(shape: [1, 4, 1], scalars: [1, 0, 0, 0] as [Float])
        let spectrum = try run("DFT", [impulse, nil, Tensor(scalar: Int64(1))], opset: 20)[0]
        #expect(spectrum.shape == [1, 4, 2])
        #expect(spectrum.scalars(as: Float.self) == [1, 0, 1, 0, 1, 0, 1, 0])
        let back = try run(
            "DFT", [spectrum, nil, Tensor(scalar: Int64(1))], ["inverse": .int(1)], opset: 20)[0]
        let expected: [Float] = [1, 0, 0, 0, 0, 0, 0, 0]
        #expect(zip(back.scalars(as: Float.self), expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }
}

@Suite("Control flow")
struct ControlFlowTests {
    /// A one-node subgraph `op(x)` whose `x` is a value of the enclosing graph (captured).
    private func branch(_ op: String) -> Subgraph {
        var g = Graph()
        let x = g.addValue(ValueInfo(name: "x"))
        let y = g.addValue(ValueInfo(name: "y_\(op)"))
        g.nodes = [Node(name: op, opType: op, inputs: [x], outputs: [y])]
        g.inputs = [x]
        g.outputs = [y]
        return Subgraph(graph: g, captured: 1)
    }

    @Test("If runs the branch the condition picks, reading an outer value")
    func ifReadsOuterValues() throws {
        var g = Graph()
        let cond = g.addValue(ValueInfo(name: "cond"))
        let x = g.addValue(ValueInfo(name: "x"))
        let y = g.addValue(ValueInfo(name: "y"))
        // Captured inputs follow the node's own, attributes in name order (else, then).
        g.nodes = [
            Node(
                name: "if", opType: "If", inputs: [cond, x, x], outputs: [y],
                attributes: ["then_branch": .graph(branch("Identity")), "else_branch": .graph(branch("Neg"))])
        ]
        g.inputs = [cond, x]
        g.outputs = [y]
        let plan = try Plan(graph: g)
        let value = Tensor([2, -3] as [Float])
        let yes = try plan.run(inputs: ["cond": Tensor(scalar: true), "x": value])
        #expect(yes[0].tensor.scalars(as: Float.self) == [2, -3])
        let no = try plan.run(inputs: ["cond": Tensor(scalar: false), "x": value])
        #expect(no[0].tensor.scalars(as: Float.self) == [-2, 3])
    }

    @Test("Loop carries a sum over M iterations and stacks a scan output")
    func loopSums() throws {
        // body(i, cond, acc) = (cond, acc + i, i)
        var body = Graph()
        let i = body.addValue(ValueInfo(name: "i"))
        let condIn = body.addValue(ValueInfo(name: "cond_in"))
        let acc = body.addValue(ValueInfo(name: "acc"))
        let next = body.addValue(ValueInfo(name: "next"))
        let condOut = body.addValue(ValueInfo(name: "cond_out"))
        let scan = body.addValue(ValueInfo(name: "scan"))
        body.nodes = [
            Node(name: "add", opType: "Add", inputs: [acc, i], outputs: [next]),
            Node(name: "keep", opType: "Identity", inputs: [condIn], outputs: [condOut]),
            Node(name: "emit", opType: "Identity", inputs: [i], outputs: [scan]),
        ]
        body.inputs = [i, condIn, acc]
        body.outputs = [condOut, next, scan]
        var g = Graph()
        let m = g.addValue(ValueInfo(name: "M"))
        let start = g.addValue(ValueInfo(name: "start"))
        let total = g.addValue(ValueInfo(name: "total"))
        let steps = g.addValue(ValueInfo(name: "steps"))
        g.nodes = [
            Node(
                name: "loop", opType: "Loop", inputs: [m, nil, start], outputs: [total, steps],
                attributes: ["body": .graph(Subgraph(graph: body))])
        ]
        g.inputs = [m, start]
        g.outputs = [total, steps]
        let out = try Plan(graph: g).run(inputs: [
            "M": Tensor(scalar: Int64(5)), "start": Tensor(scalar: Int64(100)),
        ])
        #expect(out[0].tensor.scalars(as: Int64.self) == [110])
        #expect(out[1].tensor.shape == [5] && out[1].tensor.scalars(as: Int64.self) == [0, 1, 2, 3, 4])
    }
}
