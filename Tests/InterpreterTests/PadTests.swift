import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Pad")
struct PadTests {
    private let x = D.int64(Array(1...6), [2, 3])

    @Test("constant mode with a value, pads as input (opset 11+)")
    func constant() throws {
        let out = try runOp("Pad", [x, D.int64([1, 0, 0, 2]), Tensor(scalar: Int64(-1))])[0]
        #expect(out.shape == [3, 5])
        #expect(try D.ints(out) == [-1, -1, -1, -1, -1, 1, 2, 3, -1, -1, 4, 5, 6, -1, -1])
        let zero = try runOp("Pad", [D.float([1, 2]), D.int64([1, 1])])[0]
        #expect(zero.scalars(as: Float.self) == [0, 1, 2, 0])
    }

    @Test("negative pads crop")
    func crop() throws {
        let out = try runOp("Pad", [x, D.int64([0, -1, -1, 1])])[0]
        #expect(out.shape == [1, 3])
        #expect(try D.ints(out) == [2, 3, 0])
    }

    @Test(
        "reflect, edge and wrap (pads [1, 2, 0, 1])",
        arguments: [
            ("reflect", [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]),
            ("edge", [1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6]),
            ("wrap", [5, 6, 4, 5, 6, 4, 2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4]),
        ])
    func modes(mode: String, expected: [Int]) throws {
        let out = try runOp("Pad", [x, D.int64([1, 2, 0, 1])], attributes: ["mode": .string(mode)])[0]
        #expect(out.shape == [3, 6])
        #expect(try D.ints(out) == expected)
    }

    @Test("pads wider than the axis repeat the reflection or the cycle")
    func widePads() throws {
        let reflect = try runOp(
            "Pad", [D.int64([1, 2, 3]), D.int64([5, 5])], attributes: ["mode": .string("reflect")])[0]
        #expect(try D.ints(reflect) == [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2])
        let wrap = try runOp(
            "Pad", [D.int64([1, 2, 3]), D.int64([4, 4])], attributes: ["mode": .string("wrap")])[0]
        #expect(try D.ints(wrap) == [3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1])
    }

    @Test("axes input (opset 18) pads only the named axes")
    func axes() throws {
        let out = try runOp("Pad", [x, D.int64([1, 1]), nil, D.int64([-1])])[0]
        #expect(out.shape == [2, 5])
        #expect(try D.ints(out) == [0, 1, 2, 3, 0, 0, 4, 5, 6, 0])
    }

    @Test("opset 2 attributes pads and value; bool data")
    func opset2() throws {
        let out = try runOp(
            "Pad", [D.float([1, 2])], attributes: ["pads": .ints([0, 2]), "value": .float(1.5)], opset: 2)[0]
        #expect(out.scalars(as: Float.self) == [1, 2, 1.5, 1.5])
        let b = try runOp("Pad", [D.bool([true]), D.int64([1, 1]), Tensor(scalar: false)])[0]
        #expect(b.scalars(as: Bool.self) == [false, true, false])
    }

    @Test("an empty output returns at once, even with a huge pad on another axis")
    func emptyOutput() throws {
        let out = try runOp(
            "Pad", [D.float([], [0, 2]), D.int64([0, 0, 0, 1 << 50])], attributes: ["mode": .string("edge")])[
                0]
        #expect(out.shape == [0, 2 + (1 << 50)])
    }

    @Test("wrong pads length, too much cropping, bad value dtype and unknown mode are errors")
    func errors() {
        D.expectOpError("[1, 1]", "4 values") { _ = try runOp("Pad", [x, D.int64([1, 1])]) }
        D.expectOpError("negative") { _ = try runOp("Pad", [x, D.int64([-3, 0, 0, 0])]) }
        D.expectOpError("constant_value", "int64") {
            _ = try runOp("Pad", [x, D.int64([0, 0, 0, 0]), Tensor(scalar: Float(1))])
        }
        D.expectOpError("'mirror'") {
            _ = try runOp("Pad", [x, D.int64([0, 0, 0, 0])], attributes: ["mode": .string("mirror")])
        }
        D.expectOpError("empty") {
            _ = try runOp("Pad", [D.float([], [0]), D.int64([1, 1])], attributes: ["mode": .string("edge")])
        }
    }
}
