import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Slice")
struct SliceTests {
    private let x = D.iota64([2, 3, 4])  // x[i][j][k] = 12i + 4j + k

    @Test("step -1 on one axis with a window on another")
    func reversed() throws {
        // x[:, ::-1, 1:3]
        let out = try runOp(
            "Slice",
            [x, D.int64([-1, 1]), D.int64([Int(Int64.min), 3]), D.int64([1, 2]), D.int64([-1, 1])])[0]
        #expect(out.shape == [2, 3, 2])
        #expect(try D.ints(out) == [9, 10, 5, 6, 1, 2, 21, 22, 17, 18, 13, 14])
    }

    @Test("every axis, mixed steps; axes omitted")
    func mixed() throws {
        // x[1:, 2:0:-1, ::-2]
        let max = Int(Int64.max)
        let out = try runOp(
            "Slice", [x, D.int64([1, 2, -1]), D.int64([max, 0, -max]), nil, D.int64([1, -1, -2])])[0]
        #expect(out.shape == [1, 2, 2])
        #expect(try D.ints(out) == [23, 21, 19, 17])
    }

    @Test("INT64_MAX ends, negative starts, default steps")
    func int64MaxEnds() throws {
        // x[:, -2:, -1:]
        let max = Int(Int64.max)
        let out = try runOp("Slice", [x, D.int64([-2, -1]), D.int64([max, max]), D.int64([1, 2])])[0]
        #expect(out.shape == [2, 2, 1])
        #expect(try D.ints(out) == [7, 11, 19, 23])
    }

    @Test(
        "1-D windows: step -3, full reverse, and an empty result",
        arguments: [
            (8, 1, -3, [8, 5, 2]),
            (-1, -11, -1, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
            (3, 3, 1, []),
            (5, 2, 1, []),
            (20, 30, 1, []),
            (-20, 2, 1, [0, 1]),
            // onnxruntime's reading: INT64_MAX as end means "no end" even when stepping backwards,
            (3, Int(Int64.max), -1, [3, 2, 1, 0]),
            // and a start before the axis clamps to 0 with a negative step (NumPy would give []).
            (-20, -20, -1, [0]),
        ])
    func windows(start: Int, end: Int, step: Int, expected: [Int]) throws {
        let out = try runOp(
            "Slice", [D.iota64([10]), D.int64([start]), D.int64([end]), D.int64([0]), D.int64([step])])[0]
        #expect(out.shape == [expected.count])
        #expect(try D.ints(out) == expected)
    }

    @Test("int32 starts and ends, float data")
    func int32Inputs() throws {
        let out = try runOp("Slice", [D.iota([4, 2]), D.int32([1]), D.int32([3])])[0]
        #expect(out.shape == [2, 2])
        #expect(out.scalars(as: Float.self) == [2, 3, 4, 5])
    }

    @Test("opset 1 reads starts, ends and axes from attributes")
    func opset1() throws {
        let out = try runOp(
            "Slice", [x],
            attributes: ["starts": .ints([1, 0]), "ends": .ints([3, -2]), "axes": .ints([1, 2])], opset: 1)[0]
        #expect(out.shape == [2, 2, 2])
        #expect(try D.ints(out) == [4, 5, 8, 9, 16, 17, 20, 21])
    }

    @Test("bool data and a zero-size input")
    func edgeCases() throws {
        let b = try runOp(
            "Slice",
            [D.bool([true, false, false, true]), D.int64([-1]), D.int64([-5]), D.int64([0]), D.int64([-2])])[
                0]
        #expect(b.scalars(as: Bool.self) == [true, false])
        let empty = try runOp("Slice", [D.float([], [0, 3]), D.int64([0]), D.int64([2]), D.int64([1])])[0]
        #expect(empty.shape == [0, 2])
        let reversedEmpty = try runOp(
            "Slice",
            [D.float([], [0]), D.int64([-1]), D.int64([Int(Int64.min)]), D.int64([0]), D.int64([-1])])[0]
        #expect(reversedEmpty.shape == [0])
    }

    @Test("step 0, repeated axes and length mismatches are errors")
    func errors() {
        D.expectOpError("step must not be 0") {
            _ = try runOp("Slice", [x, D.int64([0]), D.int64([1]), D.int64([0]), D.int64([0])])
        }
        D.expectOpError("repeat") {
            _ = try runOp("Slice", [x, D.int64([0, 0]), D.int64([1, 1]), D.int64([1, -2])])
        }
        D.expectOpError("2, 1") { _ = try runOp("Slice", [x, D.int64([0, 0]), D.int64([1])]) }
        D.expectOpError("axes", "out of range") {
            _ = try runOp("Slice", [x, D.int64([0]), D.int64([1]), D.int64([3])])
        }
    }
}
