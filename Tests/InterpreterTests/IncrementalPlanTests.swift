import GraphIR
import TensorCore
import Testing

@testable import Interpreter

/// Deterministic floats in [-1, 1) for test tensors.
func seededFloats(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state >> 11) % 2_000_000) / 1_000_000 - 1
    }
}

func seededTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    Tensor(shape: shape, scalars: seededFloats(shape.reduce(1, *), seed: seed))
}

/// One op whose input 0 is the graph input `x` (overridden) and whose other inputs are
/// initializers; every output is a graph output.
struct OneOpGraph {
    var graph = Graph()
    var x: ValueID
    var outputs: [ValueID]

    init(
        _ opType: String, x: Tensor, constants: [Tensor?], attributes: [String: Attribute] = [:],
        opset: Int = 18,
        outputs: Int = 1
    ) {
        graph.opsetImports = ["": opset]
        self.x = graph.addValue(ValueInfo(name: "x", dtype: x.dtype))
        graph.inputs = [self.x]
        var inputs: [ValueID?] = [self.x]
        for (i, constant) in constants.enumerated() {
            guard let constant else {
                inputs.append(nil)
                continue
            }
            let value = graph.addValue(ValueInfo(name: "c\(i)", dtype: constant.dtype))
            graph.initializers[value] = constant
            inputs.append(value)
        }
        var produced: [ValueID] = []
        for k in 0..<outputs { produced.append(graph.addValue(ValueInfo(name: "out\(k)"))) }
        self.outputs = produced
        graph.nodes = [
            Node(name: "op", opType: opType, inputs: inputs, outputs: produced, attributes: attributes)
        ]
        graph.outputs = produced
    }
}

/// Re-runs of one op with a region fetched equal the region of a whole run (the plan's own
/// execution is the reference for the region machinery).
func expectRegion(
    _ g: OneOpGraph, base x: Tensor, override: Tensor, fetch output: Int = 0, box: Box,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> IncrementalRun {
    let plan = try Plan(graph: g.graph)
    let baseRun = try plan.runKeepingAll([g.x: x])
    let run = try plan.incremental(overriding: [g.x], fetching: [(g.outputs[output], box)], base: baseRun)
    let got = try #require(try run.run(base: baseRun, overrides: [g.x: override])[g.outputs[output]])
    let whole = try #require(try plan.run([g.x: override])[g.outputs[output]])
    let want = try whole.region(box)
    #expect(got.shape == box.shape, sourceLocation: sourceLocation)
    #expect(got.dtype == want.dtype, sourceLocation: sourceLocation)
    let a = try got.doubleValues()
    let b = try want.doubleValues()
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-5, "max difference \(worst)", sourceLocation: sourceLocation)
    return run
}

/// The box item `i` of a run reads from its input `k` (nil: whole).
func readBox(_ run: IncrementalRun, item: Int = 0, input k: Int) -> Box? {
    let inputs = run.items[item].mapping.inputs
    return k < inputs.count ? inputs[k] : nil
}

@Suite struct IncrementalPlanTests {
    // MARK: Boxes and flat ranges (hand-computed)

    @Test func flatBoxOfAlignedRangeIsExact() {
        // sizes (2, 3, 4): flat 12..<24 is batch 1, every row.
        let (box, flat) = RegionRules.flatBox(12..<24, [2, 3, 4])
        #expect(box == [1..<2, 0..<3, 0..<4])
        #expect(flat == 12..<24)
    }

    @Test func flatBoxWidensToWholeTrailingAxes() {
        // 13..<15 lies in row (1, 0): columns 1...2.
        #expect(RegionRules.flatBox(13..<15, [2, 3, 4]).box == [1..<2, 0..<1, 1..<3])
        // 3..<6 crosses rows 0 and 1 of batch 0: rows 0...1 whole.
        let (box, flat) = RegionRules.flatBox(3..<6, [2, 3, 4])
        #expect(box == [0..<1, 0..<2, 0..<4])
        #expect(flat == 0..<8)
        // 10..<14 crosses batches: everything.
        #expect(RegionRules.flatBox(10..<14, [2, 3, 4]).box == [0..<2, 0..<3, 0..<4])
    }

    @Test func reshapeMergesAndSplitsAxes() throws {
        // (B=2, S=6, C=4) → (B·S=12, C): the last position of batch 0 is row 5.
        let merged = try #require(RegionRules.reshape(Box([5..<6, 0..<4]), from: [2, 6, 4], to: [12, 4]))
        #expect(merged.input == Box([0..<1, 5..<6, 0..<4]))
        #expect(merged.output == Box([5..<6, 0..<4]))
        // (2, 6, 4) → (2, 6, 2, 2): heads split from the channels; position 3 of batch 1.
        let split = try #require(
            RegionRules.reshape(Box([1..<2, 3..<4, 0..<2, 0..<2]), from: [2, 6, 4], to: [2, 6, 2, 2]))
        #expect(split.input == Box([1..<2, 3..<4, 0..<4]))
        // (2, 6, 4) → (2, 3, 8): rows 2 and 3 of the input make row 1 of the output.
        let pairs = try #require(
            RegionRules.reshape(Box([0..<1, 1..<2, 0..<8]), from: [2, 6, 4], to: [2, 3, 8]))
        #expect(pairs.input == Box([0..<1, 2..<4, 0..<4]))
        // A partial row of the (3, 8) view needs whole input rows: the output box widens.
        let partial = try #require(
            RegionRules.reshape(Box([0..<1, 1..<2, 2..<5]), from: [2, 6, 4], to: [2, 3, 8]))
        #expect(partial.output == Box([0..<1, 1..<2, 0..<8]))
        #expect(partial.input == Box([0..<1, 2..<4, 0..<4]))
    }

    // MARK: Region rules against whole runs

    @Test func matMulRowsAndColumns() throws {
        let x = seededTensor([2, 5, 4], seed: 1)
        let w = seededTensor([4, 6], seed: 2)
        let g = OneOpGraph("MatMul", x: x, constants: [w])
        let run = try expectRegion(
            g, base: x, override: seededTensor([2, 5, 4], seed: 3), box: Box([1..<2, 4..<5, 0..<6]))
        #expect(readBox(run, input: 0) == Box([1..<2, 4..<5, 0..<4]))
        _ = try expectRegion(
            g, base: x, override: seededTensor([2, 5, 4], seed: 3), box: Box([0..<2, 1..<3, 2..<4]))
    }

    @Test func fusedTransposedMatMul() throws {
        // MatMul(x, Transpose(w)) becomes MatMulTransposedB in the plan: columns read rows of w.
        var g = OneOpGraph(
            "MatMul", x: seededTensor([1, 5, 4], seed: 1), constants: [seededTensor([6, 4], seed: 2)])
        let transposed = g.graph.addValue(ValueInfo(name: "wT"))
        let w = try #require(g.graph.nodes[0].inputs[1])
        g.graph.nodes.insert(
            Node(
                name: "t", opType: "Transpose", inputs: [w], outputs: [transposed],
                attributes: ["perm": .ints([1, 0])]), at: 0)
        g.graph.nodes[1].inputs[1] = transposed
        let x = seededTensor([1, 5, 4], seed: 1)
        let run = try expectRegion(
            g, base: x, override: seededTensor([1, 5, 4], seed: 5), box: Box([0..<1, 4..<5, 0..<6]))
        #expect(run.plan.graph.nodes.contains { $0.opType == "MatMulTransposedB" })
        #expect(readBox(run, input: 0) == Box([0..<1, 4..<5, 0..<4]))
    }

    @Test(arguments: [(0, 0), (1, 0), (0, 1), (1, 1)])
    func gemmTransposes(transA: Int, transB: Int) throws {
        let x = seededTensor(transA == 1 ? [4, 5] : [5, 4], seed: 7)
        let w = seededTensor(transB == 1 ? [6, 4] : [4, 6], seed: 8)
        let g = OneOpGraph(
            "Gemm", x: x, constants: [w, seededTensor([6], seed: 9)],
            attributes: [
                "transA": .int(transA), "transB": .int(transB), "alpha": .float(0.5), "beta": .float(2),
            ])
        let run = try expectRegion(
            g, base: x, override: seededTensor(x.shape, seed: 10), box: Box([3..<5, 1..<4]))
        #expect(readBox(run, input: 0) == Box(transA == 1 ? [0..<4, 3..<5] : [3..<5, 0..<4]))
    }

    @Test func layerNormalizationKeepsNormalizedAxesWhole() throws {
        let x = seededTensor([2, 5, 8], seed: 11)
        let g = OneOpGraph(
            "LayerNormalization", x: x,
            constants: [seededTensor([8], seed: 12), seededTensor([8], seed: 13)],
            attributes: ["axis": .int(-1)])
        let run = try expectRegion(
            g, base: x, override: seededTensor([2, 5, 8], seed: 14), box: Box([0..<1, 4..<5, 2..<3]))
        #expect(readBox(run, input: 0) == Box([0..<1, 4..<5, 0..<8]))
    }

    @Test(arguments: [11, 13])
    func softmaxAxis(opset: Int) throws {
        let x = seededTensor([2, 5, 3], seed: 15)
        let g = OneOpGraph("Softmax", x: x, constants: [], attributes: ["axis": .int(1)], opset: opset)
        _ = try expectRegion(
            g, base: x, override: seededTensor([2, 5, 3], seed: 16), box: Box([1..<2, 0..<2, 1..<2]))
    }

    @Test func transposeAndReshape() throws {
        let x = seededTensor([2, 3, 4, 5], seed: 17)
        let t = OneOpGraph("Transpose", x: x, constants: [], attributes: ["perm": .ints([0, 2, 1, 3])])
        let run = try expectRegion(
            t, base: x, override: seededTensor(x.shape, seed: 18), box: Box([1..<2, 3..<4, 0..<3, 1..<2]))
        #expect(readBox(run, input: 0) == Box([1..<2, 0..<3, 3..<4, 1..<2]))
        let y = seededTensor([2, 6, 4], seed: 19)
        for (shape, box) in [
            ([12, 4], Box([5..<7, 0..<4])), ([2, 3, 8], Box([0..<1, 1..<2, 2..<5])),
            ([2, 6, 2, 2], Box([1..<2, 3..<4, 1..<2, 0..<2])), ([48], Box([10..<20])),
        ] {
            let g = OneOpGraph("Reshape", x: y, constants: [Tensor(shape.map(Int64.init))])
            _ = try expectRegion(g, base: y, override: seededTensor(y.shape, seed: 20), box: box)
        }
    }

    @Test func splitOutputsCutFromOneInputBox() throws {
        let x = seededTensor([2, 5, 9], seed: 21)
        let g = OneOpGraph(
            "Split", x: x, constants: [Tensor([Int64(3), 4, 2])], attributes: ["axis": .int(2)], outputs: 3)
        let run = try expectRegion(
            g, base: x, override: seededTensor(x.shape, seed: 22), fetch: 1, box: Box([0..<1, 4..<5, 1..<3]))
        #expect(readBox(run, input: 0) == Box([0..<1, 4..<5, 4..<6]))
        _ = try expectRegion(
            g, base: x, override: seededTensor(x.shape, seed: 23), fetch: 2, box: Box([1..<2, 0..<5, 0..<2]))
        let first = try expectRegion(
            g, base: x, override: seededTensor(x.shape, seed: 24), fetch: 0, box: Box([0..<2, 2..<3, 0..<3]))
        #expect(readBox(first, input: 0) == Box([0..<2, 2..<3, 0..<3]))
    }

    @Test func sliceWithSteps() throws {
        let x = seededTensor([2, 9, 3], seed: 24)
        let g = OneOpGraph(
            "Slice", x: x,
            constants: [Tensor([Int64(1)]), Tensor([Int64(8)]), Tensor([Int64(1)]), Tensor([Int64(2)])])
        // Output positions 1...3 of (1, 3, 5, 7) read input positions 3...7.
        let run = try expectRegion(
            g, base: x, override: seededTensor(x.shape, seed: 25), box: Box([0..<2, 1..<4, 0..<3]))
        #expect(readBox(run, input: 0) == Box([0..<2, 3..<8, 0..<3]))
    }

    @Test func gatherOfIndicesAndOfData() throws {
        let table = seededTensor([10, 4], seed: 26)
        let ids = Tensor(shape: [2, 5], scalars: [Int64](arrayLiteral: 1, 3, 5, 7, 9, 0, 2, 4, 6, 8))
        var g = OneOpGraph("Gather", x: ids, constants: [])
        // Gather(table, ids): the data is a constant, the ids are overridden.
        let tableValue = g.graph.addValue(ValueInfo(name: "table"))
        g.graph.initializers[tableValue] = table
        g.graph.nodes[0].inputs = [tableValue, g.x]
        let plan = try Plan(graph: g.graph)
        let base = try plan.runKeepingAll([g.x: ids])
        let run = try plan.incremental(
            overriding: [g.x], fetching: [(g.outputs[0], Box([0..<1, 4..<5, 0..<4]))], base: base)
        let changed = Tensor(shape: [2, 5], scalars: [Int64](arrayLiteral: 1, 3, 5, 7, 2, 0, 2, 4, 6, 8))
        let got = try #require(try run.run(base: base, overrides: [g.x: changed])[g.outputs[0]])
        #expect(got.shape == [1, 1, 4])
        #expect(got.scalars(as: Float.self) == Array(table.scalars(as: Float.self)[8..<12]))
        // Gather(x, [2, 0], axis 1): positions of the output read positions 2 and 0 of x.
        let x = seededTensor([2, 5, 3], seed: 27)
        let h = OneOpGraph("Gather", x: x, constants: [Tensor([Int64(2), 0])], attributes: ["axis": .int(1)])
        _ = try expectRegion(
            h, base: x, override: seededTensor(x.shape, seed: 28), box: Box([1..<2, 1..<2, 0..<2]))
    }

    @Test func concatExpandReduceWhere() throws {
        let x = seededTensor([2, 3, 4], seed: 29)
        let concat = OneOpGraph(
            "Concat", x: x, constants: [seededTensor([2, 2, 4], seed: 30)], attributes: ["axis": .int(1)])
        _ = try expectRegion(
            concat, base: x, override: seededTensor(x.shape, seed: 31), box: Box([1..<2, 2..<4, 1..<3]))
        let small = seededTensor([1, 5, 1], seed: 32)
        let expand = OneOpGraph("Expand", x: small, constants: [Tensor([Int64(3), 5, 4])])
        let run = try expectRegion(
            expand, base: small, override: seededTensor(small.shape, seed: 33),
            box: Box([1..<3, 2..<4, 0..<2]))
        #expect(readBox(run, input: 0) == Box([0..<1, 2..<4, 0..<1]))
        let y = seededTensor([2, 5, 6], seed: 34)
        let reduce = OneOpGraph(
            "ReduceMean", x: y, constants: [Tensor([Int64(-1)])], attributes: ["keepdims": .int(1)])
        _ = try expectRegion(
            reduce, base: y, override: seededTensor(y.shape, seed: 35), box: Box([0..<1, 3..<5, 0..<1]))
        let condition = Tensor(shape: [5, 1], scalars: [true, false, true, true, false])
        var select = OneOpGraph("Where", x: y, constants: [Tensor(scalar: Float(0.5))])
        let c = select.graph.addValue(ValueInfo(name: "condition"))
        select.graph.initializers[c] = condition
        select.graph.nodes[0].inputs = [c, select.x, select.graph.nodes[0].inputs[1]]
        _ = try expectRegion(
            select, base: y, override: seededTensor(y.shape, seed: 36), box: Box([1..<2, 1..<4, 2..<6]))
    }

    // MARK: Which steps re-run

    @Test func onlyStepsDownstreamOfTheOverrideRun() throws {
        // a = Relu(x); b = Neg(y); out = a + b. Overriding a re-runs the Add alone.
        var graph = Graph()
        let x = graph.addValue(ValueInfo(name: "x"))
        let y = graph.addValue(ValueInfo(name: "y"))
        let a = graph.addValue(ValueInfo(name: "a"))
        let b = graph.addValue(ValueInfo(name: "b"))
        let out = graph.addValue(ValueInfo(name: "out"))
        graph.inputs = [x, y]
        graph.outputs = [out]
        graph.nodes = [
            Node(name: "relu", opType: "Relu", inputs: [x], outputs: [a]),
            Node(name: "neg", opType: "Neg", inputs: [y], outputs: [b]),
            Node(name: "add", opType: "Add", inputs: [a, b], outputs: [out]),
        ]
        // b fetched, so Neg and Add stay two steps (not one fused chain).
        let plan = try Plan(graph: graph, fetches: [out, b])
        let base = try plan.runKeepingAll([x: Tensor([Float(-1), 2]), y: Tensor([Float(3), 4])])
        #expect(base[a]?.scalars(as: Float.self) == [0, 2])
        let run = try plan.incremental(overriding: [a], fetching: [(out, nil)], base: base)
        #expect(run.stepCount == 1)
        let got = try run.run(base: base, overrides: [a: Tensor([Float(10), 20])])
        #expect(got[out]?.scalars(as: Float.self) == [7, 16])
        // Overriding y re-runs Neg and Add; the base is untouched.
        let second = try plan.incremental(overriding: [y], fetching: [(out, nil)], base: base)
        #expect(second.stepCount == 2)
        #expect(
            try second.run(base: base, overrides: [y: Tensor([Float(1), 1])])[out]?.scalars(as: Float.self)
                == [-1, 1])
        #expect(base[out]?.scalars(as: Float.self) == [-3, -2])
    }

    /// One causal attention layer: patching position p changes positions p… only, and the
    /// re-run finds that out and computes fewer elements for a later p.
    @Test func causalAttentionRecomputesLaterPositionsOnly() throws {
        let s = 6
        let d = 4
        var graph = Graph()
        func value(_ name: String) -> ValueID { graph.addValue(ValueInfo(name: name)) }
        func constant(_ name: String, _ tensor: Tensor) -> ValueID {
            let v = value(name)
            graph.initializers[v] = tensor
            return v
        }
        let x = value("x")
        graph.inputs = [x]
        let wq = constant("wq", seededTensor([d, d], seed: 50))
        let wk = constant("wk", seededTensor([d, d], seed: 51))
        let wv = constant("wv", seededTensor([d, d], seed: 52))
        let wo = constant("wo", seededTensor([d, 5], seed: 53))
        var mask = [Float](repeating: 0, count: s * s)
        for i in 0..<s { for j in (i + 1)..<s where j < s { mask[i * s + j] = -1e30 } }
        let m = constant("mask", Tensor(shape: [s, s], scalars: mask))
        let (q, k, v, kt) = (value("q"), value("k"), value("v"), value("kt"))
        let (scores, masked, probs, attn, h, out) = (
            value("scores"), value("masked"), value("probs"), value("attn"), value("h"), value("out")
        )
        graph.nodes = [
            Node(name: "q", opType: "MatMul", inputs: [x, wq], outputs: [q]),
            Node(name: "k", opType: "MatMul", inputs: [x, wk], outputs: [k]),
            Node(name: "v", opType: "MatMul", inputs: [x, wv], outputs: [v]),
            Node(
                name: "kt", opType: "Transpose", inputs: [k], outputs: [kt],
                attributes: ["perm": .ints([0, 2, 1])]),
            Node(name: "scores", opType: "MatMul", inputs: [q, kt], outputs: [scores]),
            Node(name: "masked", opType: "Add", inputs: [scores, m], outputs: [masked]),
            Node(
                name: "probs", opType: "Softmax", inputs: [masked], outputs: [probs],
                attributes: ["axis": .int(-1)]),
            Node(name: "attn", opType: "MatMul", inputs: [probs, v], outputs: [attn]),
            Node(name: "h", opType: "Add", inputs: [attn, x], outputs: [h]),
            Node(name: "out", opType: "MatMul", inputs: [h, wo], outputs: [out]),
        ]
        graph.outputs = [out]
        let plan = try Plan(graph: graph)
        let corrupt = seededTensor([1, s, d], seed: 54)
        let clean = seededTensor([1, s, d], seed: 55)
        let base = try plan.runKeepingAll([x: corrupt])
        let baseOut = try #require(base[out])
        let run = try plan.incremental(overriding: [x], fetching: [(out, nil)], base: base)
        var elements: [Int] = []
        for p in 0..<s {
            let box = Box([0..<1, p..<(p + 1), 0..<d])
            let patched = try corrupt.replacing(box, from: clean)
            let got = try #require(try run.run(base: base, overrides: [x: patched], changed: [x: box])[out])
            let want = try #require(try plan.run([x: patched])[out])
            let (a, b) = (got.scalars(as: Float.self), want.scalars(as: Float.self))
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }, "position \(p)")
            // Positions before p are the base's, bit for bit.
            #expect(
                Array(a[..<(p * 5)]) == Array(baseOut.scalars(as: Float.self)[..<(p * 5)]), "position \(p)")
            elements.append(run.lastStatistics.elements)
        }
        // Each later position leaves one more row of every row-wise value to the base.
        #expect(
            zip(elements, elements.dropFirst()).allSatisfy { $0 > $1 },
            "elements computed per position: \(elements)")
        // At the last position: its rows of q, k, v (3·4; the transpose folds into the scores'
        // product), the whole scores (36: a changed key touches every row), the mask's Add and
        // the softmax as one fused step on whole rows (36; earlier rows mask the changed key, so
        // only its own row differs afterwards), the whole attention output (24: a changed value
        // row touches every row; it is then narrowed to one row), and its rows of h and out (4 + 5).
        #expect(plan.graph.nodes.contains { $0.opType == Plan.fusedSoftmaxOpType })
        #expect(elements[s - 1] == 117, "elements computed per position: \(elements)")
    }

    @Test func changedRegionIsTheBoundingBoxOfDifferences() {
        let base = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        var values = (0..<24).map(Float.init)
        values[1 * 12 + 0 * 4 + 2] = -1  // (1, 0, 2)
        values[1 * 12 + 2 * 4 + 1] = -1  // (1, 2, 1)
        let tensor = Tensor(shape: [2, 3, 4], scalars: values)
        let whole = Box.whole([2, 3, 4])
        #expect(BoxCopy.changed(tensor, at: whole, within: whole, from: base) == Box([1..<2, 0..<3, 1..<3]))
        #expect(BoxCopy.changed(base, at: whole, within: whole, from: base) == nil)
        // A held region: rows 1...2 of batch 1.
        let part = try? tensor.region(Box([1..<2, 1..<3, 0..<4]))
        #expect(
            part.flatMap {
                BoxCopy.changed(
                    $0, at: Box([1..<2, 1..<3, 0..<4]), within: Box([1..<2, 1..<3, 0..<4]), from: base)
            }
                == Box([1..<2, 2..<3, 1..<2]))
    }

    @Test func overridesMustKeepShapeAndBePrepared() throws {
        let x = seededTensor([2, 3], seed: 40)
        let g = OneOpGraph("Relu", x: x, constants: [])
        let plan = try Plan(graph: g.graph)
        let base = try plan.runKeepingAll([g.x: x])
        let run = try plan.incremental(overriding: [g.x], fetching: [(g.outputs[0], nil)], base: base)
        #expect(throws: InterpreterError.self) {
            try run.run(base: base, overrides: [g.x: seededTensor([3, 2], seed: 1)])
        }
        #expect(throws: InterpreterError.self) { try run.run(base: base, overrides: [g.outputs[0]: x]) }
        #expect(throws: InterpreterError.self) { try run.run(base: base, overrides: [:]) }
        // Regions outside the value: a fetch, and a changed region of an override.
        #expect(throws: InterpreterError.self) {
            try plan.incremental(
                overriding: [g.x], fetching: [(g.outputs[0], Box([0..<3, 0..<3]))], base: base)
        }
        #expect(throws: InterpreterError.self) {
            try run.run(base: base, overrides: [g.x: x], changed: [g.x: Box([0..<1, 2..<4])])
        }
    }
}
