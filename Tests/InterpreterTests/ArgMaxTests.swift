import GraphIR
import Interpreter
import TensorCore
import Testing

/// ArgMax and ArgMin: axes, keepdims, ties and select_last_index.
@Suite struct ArgMaxTests {
    /// Ties in both rows: row 0 has its maximum 5 at 1 and 3, row 1 its minimum 0 at 0 and 2.
    private let x = Tensor(shape: [2, 4], scalars: [1, 5, 2, 5, 0, 3, 0, 1] as [Float])

    private func indices(_ op: String, _ input: Tensor, _ attributes: [String: Attribute]) throws -> ([Int64], [Int]) {
        let y = try runOp(op, [input], attributes: attributes, opset: 13)[0]
        #expect(y.dtype == .int64)
        return (y.scalars(as: Int64.self), y.shape)
    }

    @Test func defaultsAreAxisZeroWithKeepdims() throws {
        // Columns: (1,0) → 0, (5,3) → 0, (2,0) → 0, (5,1) → 0 for max; min picks row 1 except the tie.
        let (maxima, shape) = try indices("ArgMax", x, [:])
        #expect(maxima == [0, 0, 0, 0] && shape == [1, 4])
        let (minima, _) = try indices("ArgMin", x, [:])
        #expect(minima == [1, 1, 1, 1])
    }

    @Test func tiesPickTheFirstIndexUnlessAskedForTheLast() throws {
        let lastAxis: [String: Attribute] = ["axis": .int(-1), "keepdims": .int(0)]
        #expect(try indices("ArgMax", x, lastAxis) == ([1, 1], [2]))
        #expect(try indices("ArgMin", x, lastAxis) == ([0, 0], [2]))
        var last = lastAxis
        last["select_last_index"] = .int(1)
        #expect(try indices("ArgMax", x, last) == ([3, 1], [2]))
        #expect(try indices("ArgMin", x, last) == ([0, 2], [2]))
    }

    @Test func middleAxisOfAThreeDimensionalInput() throws {
        // [2,3,2]; element (b, i, j) = (i − 1)² + 10b + j: the middle i = 1 is smallest, i = 0
        // and i = 2 tie for the largest.
        var values: [Int32] = []
        for b in 0..<2 { for i in 0..<3 { for j in 0..<2 { values.append(Int32((i - 1) * (i - 1) + 10 * b + j)) } } }
        let cube = Tensor(shape: [2, 3, 2], scalars: values)
        #expect(try indices("ArgMax", cube, ["axis": .int(1)]) == ([0, 0, 0, 0], [2, 1, 2]))
        #expect(try indices("ArgMax", cube, ["axis": .int(1), "select_last_index": .int(1)]) == ([2, 2, 2, 2], [2, 1, 2]))
        #expect(try indices("ArgMin", cube, ["axis": .int(1), "keepdims": .int(0)]) == ([1, 1, 1, 1], [2, 2]))
    }

    @Test func nanIsTheExtremeForBoth() throws {
        let withNaN = Tensor([1, .nan, 7, .nan] as [Float])
        #expect(try indices("ArgMax", withNaN, [:]).0 == [1])
        #expect(try indices("ArgMin", withNaN, [:]).0 == [1])
        #expect(try indices("ArgMax", withNaN, ["select_last_index": .int(1)]).0 == [3])
    }

    @Test func otherElementTypes() throws {
        #expect(try indices("ArgMax", Tensor([3, 9, 2].map { Float16($0) }), [:]).0 == [1])
        #expect(try indices("ArgMin", Tensor([3, 9, 2].map { BFloat16(Float($0)) }), [:]).0 == [2])
        #expect(try indices("ArgMax", Tensor([3, 9, 2] as [Double]), [:]).0 == [1])
        #expect(try indices("ArgMax", Tensor([200, 9, 255] as [UInt8]), [:]).0 == [2])
    }

    @Test func errors() throws {
        let axis = #expect(throws: OpError.self) { try runOp("ArgMax", [x], attributes: ["axis": .int(2)], opset: 13) }
        #expect(axis?.message == "ArgMax: axis 2 is out of range for rank 2 (expected -2...1)")
        #expect(throws: OpError.self) { try runOp("ArgMin", [Tensor(shape: [0, 2], scalars: [] as [Float])], opset: 13) }
        #expect(throws: OpError.self) { try runOp("ArgMax", [Tensor([true, false])], opset: 13) }
    }
}
