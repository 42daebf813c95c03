import GraphIR
import Interpreter
import TensorCore
import Testing

/// The Reduce* family against numpy, through both forms of `axes`.
@Suite struct ReduceTests {
    /// [[1, −2, 3], [4, 5, −6]]
    private let x = Tensor(shape: [2, 3], scalars: [1, -2, 3, 4, 5, -6] as [Float])
    private let cube = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) })

    /// numpy results over axis 1, axis 0 and all axes (keepdims).
    static let table: [(op: String, axis1: [Float], axis0: [Float], all: Float)] = [
        ("ReduceSum", [2, 3], [5, 3, -3], 5),
        ("ReduceMean", [0.666666667, 1], [2.5, 1.5, -1.5], 0.833333333),
        ("ReduceMax", [3, 5], [4, 5, 3], 5),
        ("ReduceMin", [-2, -6], [1, -2, -6], -6),
        ("ReduceProd", [-6, -120], [4, -10, -18], 720),
        ("ReduceL1", [6, 15], [5, 7, 9], 21),
        ("ReduceL2", [3.74165739, 8.77496439], [4.12310563, 5.38516481, 6.70820393], 9.53939201),
        ("ReduceLogSum", [0.693147181, 1.09861229], [1.60943791, 1.09861229, .nan], 1.60943791),
        ("ReduceLogSumExp", [3.13284523, 5.3132739], [4.04858735, 5.00091147, 3.0001234], 5.42032676),
        ("ReduceSumSquare", [14, 77], [17, 29, 45], 91),
    ]

    @Test(arguments: table.indices)
    func axesAsAttribute(_ row: Int) throws {
        let (op, axis1, axis0, all) = Self.table[row]
        expectClose(try runOp(op, [x], attributes: ["axes": .ints([1])], opset: 11)[0], axis1, shape: [2, 1])
        expectClose(try runOp(op, [x], attributes: ["axes": .ints([-2]), "keepdims": .int(0)], opset: 11)[0],
                    axis0, shape: [3])
        expectClose(try runOp(op, [x], opset: 11)[0], [all], shape: [1, 1])
    }

    @Test(arguments: table.indices)
    func axesAsInput(_ row: Int) throws {
        let (op, axis1, axis0, all) = Self.table[row]
        expectClose(try runOp(op, [x, Tensor([1] as [Int64])], opset: 18)[0], axis1, shape: [2, 1])
        expectClose(try runOp(op, [x, Tensor([0] as [Int64])], attributes: ["keepdims": .int(0)], opset: 18)[0],
                    axis0, shape: [3])
        // Missing and empty axes both mean every axis.
        expectClose(try runOp(op, [x], attributes: ["keepdims": .int(0)], opset: 18)[0], [all], shape: [])
        expectClose(try runOp(op, [x, Tensor(shape: [0], scalars: [] as [Int64])], opset: 18)[0], [all], shape: [1, 1])
    }

    @Test func reduceSumTakesAxesAsInputFromOpset13() throws {
        expectClose(try runOp("ReduceSum", [x, Tensor([1] as [Int64])], opset: 13)[0], [2, 3], shape: [2, 1])
        // ReduceMean at 13 still reads the attribute.
        expectClose(try runOp("ReduceMean", [x], attributes: ["axes": .ints([1])], opset: 13)[0],
                    [0.666666667, 1], shape: [2, 1])
    }

    @Test func noopWithEmptyAxes() throws {
        let attributes: [String: Attribute] = ["noop_with_empty_axes": .int(1)]
        expectClose(try runOp("ReduceSum", [x], attributes: attributes, opset: 13)[0], [1, -2, 3, 4, 5, -6], shape: [2, 3])
        // Each element reduced alone: ReduceSumSquare squares it, as the reference does.
        expectClose(try runOp("ReduceSumSquare", [x, Tensor(shape: [0], scalars: [] as [Int64])], attributes: attributes,
                              opset: 18)[0], [1, 4, 9, 16, 25, 36], shape: [2, 3])
    }

    @Test func axesThatAreNotAdjacent() throws {
        expectClose(try runOp("ReduceSum", [cube, Tensor([0, 2] as [Int64])], attributes: ["keepdims": .int(0)], opset: 13)[0],
                    [60, 92, 124], shape: [3])
        expectClose(try runOp("ReduceMax", [cube], attributes: ["axes": .ints([2, 0])], opset: 13)[0],
                    [15, 19, 23], shape: [1, 3, 1])
        expectClose(try runOp("ReduceMean", [cube, Tensor([-1] as [Int64])], attributes: ["keepdims": .int(0)], opset: 18)[0],
                    [1.5, 5.5, 9.5, 13.5, 17.5, 21.5], shape: [2, 3])
    }

    @Test func logSumExpIsStable() throws {
        expectClose(try runOp("ReduceLogSumExp", [Tensor([1000, 1001, 1002] as [Float])], opset: 18)[0], [1002.40761],
                    shape: [1])
        let allMinusInfinity = Tensor([-Float.infinity, -Float.infinity] as [Float])
        #expect(try runOp("ReduceLogSumExp", [allMinusInfinity], opset: 18)[0].scalars(as: Float.self) == [-.infinity])
    }

    @Test func nanAndEmptyReductions() throws {
        expectClose(try runOp("ReduceMax", [Tensor([1, .nan, 3] as [Float])], opset: 18)[0], [.nan], shape: [1])
        let empty = Tensor(shape: [2, 0], scalars: [] as [Float])
        let axis1 = Tensor([1] as [Int64])
        expectClose(try runOp("ReduceSum", [empty, axis1], opset: 13)[0], [0, 0], shape: [2, 1])
        expectClose(try runOp("ReduceProd", [empty, axis1], opset: 18)[0], [1, 1], shape: [2, 1])
        // An empty maximum is −inf, as the reference fills it.
        let maximum = try runOp("ReduceMax", [empty, axis1], opset: 18)[0]
        #expect(maximum.shape == [2, 1] && maximum.scalars(as: Float.self) == [-.infinity, -.infinity])
        #expect(try runOp("ReduceLogSumExp", [empty, axis1], opset: 18)[0].scalars(as: Float.self) == [-.infinity, -.infinity])
    }

    @Test func integerReductions() throws {
        let ints = Tensor(shape: [2, 3], scalars: [1, -2, 3, 4, 5, -6] as [Int64])
        #expect(try runOp("ReduceSum", [ints, Tensor([1] as [Int64])], opset: 13)[0].scalars(as: Int64.self) == [2, 3])
        #expect(try runOp("ReduceMax", [ints], attributes: ["axes": .ints([0])], opset: 11)[0].scalars(as: Int64.self)
                    == [4, 5, 3])
        // Mean truncates toward zero: 2/3 → 0, −3/2 → −1.
        let mean = try runOp("ReduceMean", [ints], attributes: ["axes": .ints([1])], opset: 11)[0]
        #expect(mean.dtype == .int64 && mean.scalars(as: Int64.self) == [0, 1])
        let axis0 = try runOp("ReduceMean", [ints], attributes: ["axes": .ints([0])], opset: 11)[0]
        #expect(axis0.scalars(as: Int64.self) == [2, 1, -1])
        // Sums wrap as in numpy instead of trapping.
        let big = Tensor([Int32.max, 1] as [Int32])
        #expect(try runOp("ReduceSum", [big], opset: 11)[0].scalars(as: Int32.self) == [Int32.min])
        let bytes = Tensor([3, 250, 7] as [UInt8])
        #expect(try runOp("ReduceMax", [bytes], opset: 18)[0].scalars(as: UInt8.self) == [250])
    }

    @Test func halfPrecisionAndBool() throws {
        let x16 = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4].map { Float16($0) })
        let y16 = try runOp("ReduceSum", [x16], attributes: ["axes": .ints([1])], opset: 11)[0]
        #expect(y16.dtype == .float16 && y16.scalars(as: Float16.self) == [3, 7])
        let flags = Tensor(shape: [2, 2], scalars: [true, false, false, false])
        #expect(try runOp("ReduceMax", [flags, Tensor([1] as [Int64])], opset: 20)[0].scalars(as: Bool.self) == [true, false])
        #expect(try runOp("ReduceMin", [flags, Tensor([1] as [Int64])], opset: 20)[0].scalars(as: Bool.self) == [false, false])
    }

    @Test func badAxes() throws {
        let range = #expect(throws: OpError.self) { try runOp("ReduceSum", [x, Tensor([2] as [Int64])], opset: 13) }
        #expect(range?.message == "ReduceSum: axes 2 is out of range for rank 2 (expected -2...1)", "\(String(describing: range))")
        #expect(throws: OpError.self) { try runOp("ReduceMean", [x], attributes: ["axes": .ints([1, -1])], opset: 11) }
        #expect(throws: OpError.self) { try runOp("ReduceMean", [x, Tensor([0.5] as [Float])], opset: 18) }
        #expect(throws: OpError.self) { try runOp("ReduceLogSum", [Tensor([true])], opset: 18) }
    }
}
