import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("CumSum")
struct CumSumTests {
    private let x = D.float([1, 2, 3, 4, 5, 6], [2, 3])

    @Test("along each axis, axis as int32 or int64, negative axis")
    func axes() throws {
        let rows = try runOp("CumSum", [x, Tensor(scalar: Int64(1))])[0]
        #expect(rows.scalars(as: Float.self) == [1, 3, 6, 4, 9, 15])
        let columns = try runOp("CumSum", [x, Tensor(scalar: Int32(0))])[0]
        #expect(columns.scalars(as: Float.self) == [1, 2, 3, 5, 7, 9])
        let negative = try runOp("CumSum", [x, D.int64([-1])])[0]
        #expect(negative.scalars(as: Float.self) == [1, 3, 6, 4, 9, 15])
    }

    @Test(
        "exclusive, reverse, and both",
        arguments: [
            (1, 0, [0, 1, 3, 0, 4, 9]),
            (0, 1, [6, 5, 3, 15, 11, 6]),
            (1, 1, [5, 3, 0, 11, 6, 0]),
        ])
    func flags(exclusive: Int, reverse: Int, expected: [Float]) throws {
        let out = try runOp(
            "CumSum", [x, Tensor(scalar: Int64(1))],
            attributes: ["exclusive": .int(exclusive), "reverse": .int(reverse)])[0]
        #expect(out.scalars(as: Float.self) == expected)
    }

    @Test("int64 and int32 data; an empty axis")
    func integers() throws {
        let out = try runOp("CumSum", [D.int64([5, -2, 7]), Tensor(scalar: Int64(0))])[0]
        #expect(try D.ints(out) == [5, 3, 10])
        let i32 = try runOp(
            "CumSum", [D.int32([1, 1, 1]), Tensor(scalar: Int64(0))], attributes: ["reverse": .int(1)])[0]
        #expect(i32.scalars(as: Int32.self) == [3, 2, 1])
        #expect(try runOp("CumSum", [D.float([], [2, 0]), Tensor(scalar: Int64(1))])[0].shape == [2, 0])
    }

    @Test("a bad axis or a non-scalar axis is an error")
    func errors() {
        D.expectOpError("axis 2") { _ = try runOp("CumSum", [x, Tensor(scalar: Int64(2))]) }
        D.expectOpError("one element") { _ = try runOp("CumSum", [x, D.int64([0, 1])]) }
    }
}
