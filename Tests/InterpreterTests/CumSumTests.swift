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
        "exclusive, reverse, and both (CumProd shares the attributes)",
        arguments: [
            ("CumSum", 1, 0, [0, 1, 3, 0, 4, 9]),
            ("CumSum", 0, 1, [6, 5, 3, 15, 11, 6]),
            ("CumSum", 1, 1, [5, 3, 0, 11, 6, 0]),
            ("CumProd", 1, 0, [1, 1, 2, 1, 4, 20]),
            ("CumProd", 0, 1, [6, 6, 3, 120, 30, 6]),
            ("CumProd", 1, 1, [6, 3, 1, 30, 6, 1]),
        ])
    func flags(op: String, exclusive: Int, reverse: Int, expected: [Float]) throws {
        let out = try runOp(
            op, [x, Tensor(scalar: Int64(1))],
            attributes: ["exclusive": .int(exclusive), "reverse": .int(reverse)], opset: 26)[0]
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

    @Test("a bad axis, a non-scalar axis or bool data is an error naming the op")
    func errors() {
        D.expectOpError("axis 2") { _ = try runOp("CumSum", [x, Tensor(scalar: Int64(2))]) }
        D.expectOpError("one element") { _ = try runOp("CumSum", [x, D.int64([0, 1])]) }
        D.expectOpError("CumSum does not take bool input") {
            _ = try runOp("CumSum", [D.bool([true, false]), Tensor(scalar: Int64(0))])
        }
    }
}

/// CumProd shares CumSum's attributes and loop (its flags are in CumSum's table); these pin
/// its identity (1) and its product.
@Suite("CumProd")
struct CumProdTests {
    private let x = D.float([1, 2, 3, 4, 5, 6], [2, 3])

    private func cumProd(_ x: Tensor, axis: Int64, exclusive: Int = 0) throws -> Tensor {
        try runOp(
            "CumProd", [x, Tensor(scalar: axis)], attributes: ["exclusive": .int(exclusive)], opset: 26)[0]
    }

    @Test("along each axis, and a negative axis")
    func axes() throws {
        #expect(try cumProd(x, axis: 1).scalars(as: Float.self) == [1, 2, 6, 4, 20, 120])
        #expect(try cumProd(x, axis: 0).scalars(as: Float.self) == [1, 2, 3, 4, 10, 18])
        #expect(try cumProd(x, axis: -1).scalars(as: Float.self) == [1, 2, 6, 4, 20, 120])
    }

    @Test("integers wrap; an empty axis")
    func integers() throws {
        // 2¹⁶ · 2¹⁶ = 2³² wraps to 0 in int32.
        let wrapped = try cumProd(D.int32([65536, 65536, 3]), axis: 0)
        #expect(wrapped.scalars(as: Int32.self) == [65536, 0, 0])
        #expect(try D.ints(try cumProd(D.int64([2, -3, 4]), axis: 0, exclusive: 1)) == [1, 2, -6])
        #expect(try cumProd(D.float([], [2, 0]), axis: 1).shape == [2, 0])
    }

    @Test("a bad axis or bool data is an error naming the op")
    func errors() {
        D.expectOpError("axis 2") { _ = try cumProd(x, axis: 2) }
        D.expectOpError("CumProd does not take bool input") { _ = try cumProd(D.bool([true]), axis: 0) }
    }
}
