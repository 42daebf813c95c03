import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Split")
struct SplitTests {
    @Test("equal parts from the number of outputs, axis 1")
    func equal() throws {
        let out = try runOp("Split", [D.iota64([2, 4])], attributes: ["axis": .int(1)], outputs: 2)
        #expect(out.map(\.shape) == [[2, 2], [2, 2]])
        #expect(try D.ints(out[0]) == [0, 1, 4, 5])
        #expect(try D.ints(out[1]) == [2, 3, 6, 7])
    }

    @Test("split input (opset 13), negative axis, a zero-size part")
    func splitInput() throws {
        let out = try runOp(
            "Split", [D.iota64([2, 5]), D.int64([1, 0, 4])], attributes: ["axis": .int(-1)], opset: 13,
            outputs: 3)
        #expect(out.map(\.shape) == [[2, 1], [2, 0], [2, 4]])
        #expect(try D.ints(out[0]) == [0, 5])
        #expect(try D.ints(out[2]) == [1, 2, 3, 4, 6, 7, 8, 9])
    }

    @Test("split attribute (opset 11)")
    func splitAttribute() throws {
        let out = try runOp(
            "Split", [D.float([1, 2, 3, 4, 5, 6])], attributes: ["split": .ints([2, 4])], opset: 11,
            outputs: 2)
        #expect(out[0].scalars(as: Float.self) == [1, 2])
        #expect(out[1].scalars(as: Float.self) == [3, 4, 5, 6])
    }

    @Test(
        "num_outputs (opset 18) with an uneven last chunk",
        arguments: [(7, 3, [3, 3, 1]), (6, 3, [2, 2, 2]), (4, 3, [2, 2, 0])])
    func numOutputs(dim: Int, parts: Int, sizes: [Int]) throws {
        let out = try runOp(
            "Split", [D.iota64([dim])], attributes: ["num_outputs": .int(parts)], outputs: parts)
        #expect(out.map(\.shape) == sizes.map { [$0] })
        #expect(try out.flatMap { try D.ints($0) } == Array(0..<dim))
    }

    @Test("bool data on axis 0")
    func bools() throws {
        let out = try runOp("Split", [D.bool([true, false, false, true], [2, 2])], outputs: 2)
        #expect(out[0].scalars(as: Bool.self) == [true, false])
        #expect(out[1].scalars(as: Bool.self) == [false, true])
    }

    @Test("sizes not summing to the dim, uneven equal split and bad axis are errors")
    func errors() {
        D.expectOpError("[2, 2]", "summing to 5") {
            _ = try runOp("Split", [D.iota([5]), D.int64([2, 2])], outputs: 2)
        }
        D.expectOpError("(5)", "equal parts") { _ = try runOp("Split", [D.iota([5])], opset: 13, outputs: 2) }
        D.expectOpError("axis 1") {
            _ = try runOp("Split", [D.iota([4])], attributes: ["axis": .int(1)], outputs: 2)
        }
        D.expectOpError("num_outputs is 3") {
            _ = try runOp("Split", [D.iota([6])], attributes: ["num_outputs": .int(3)], outputs: 2)
        }
    }
}
