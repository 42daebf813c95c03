import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("ScatterND")
struct ScatterNDTests {
    @Test("element updates (spec example 1), negative index")
    func elements() throws {
        let out = try runOp(
            "ScatterND",
            [D.int64([1, 2, 3, 4, 5, 6, 7, 8]), D.int64([4, 3, -7, 7], [4, 1]), D.int64([9, 10, 11, 12])])[0]
        #expect(try D.ints(out) == [1, 11, 3, 10, 9, 6, 7, 12])
    }

    @Test("slice updates replace whole sub-tensors")
    func slices() throws {
        let out = try runOp(
            "ScatterND", [D.iota([2, 2, 2]), D.int64([1], [1, 1]), D.float([10, 11, 12, 13], [1, 2, 2])])[0]
        #expect(out.scalars(as: Float.self) == [0, 1, 2, 3, 10, 11, 12, 13])
    }

    @Test(
        "reductions combine duplicates in order",
        arguments: [
            ("add", 1, [1, 6, 1, 5]),
            ("mul", 2, [2, 12, 2, 8]),
            ("max", 3, [3, 3, 3, 4]),
            ("min", 3, [3, 2, 3, 3]),
            ("none", 1, [1, 3, 1, 4]),
        ])
    func reductions(reduction: String, initial: Float, expected: [Float]) throws {
        let data = D.float([Float](repeating: initial, count: 4))
        let out = try runOp(
            "ScatterND", [data, D.int64([1, 1, 3], [3, 1]), D.float([2, 3, 4])],
            attributes: ["reduction": .string(reduction)])[0]
        #expect(out.scalars(as: Float.self) == expected)
    }

    @Test("bool data with reduction none; data input untouched")
    func bools() throws {
        let data = D.bool([false, false, false])
        let out = try runOp("ScatterND", [data, D.int64([2], [1, 1]), D.bool([true])])[0]
        #expect(out.scalars(as: Bool.self) == [false, false, true])
        #expect(data.scalars(as: Bool.self) == [false, false, false])
    }

    @Test("no updates leave data as it is, whatever the (zero-size) indices shape")
    func noUpdates() throws {
        let data = D.float([], [0])
        let indices = Tensor(shape: [1 << 40, 0], scalars: [Int64]())
        let updates = Tensor(shape: [1 << 40, 0], scalars: [Float]())
        #expect(try runOp("ScatterND", [data, indices, updates])[0].shape == [0])
    }

    @Test("out-of-range index, wrong updates shape and unknown reduction are errors")
    func errors() {
        D.expectOpError("index 4", "axis 0") {
            _ = try runOp("ScatterND", [D.iota([4]), D.int64([4], [1, 1]), D.float([1])])
        }
        D.expectOpError("[2]", "expected float32 [1]") {
            _ = try runOp("ScatterND", [D.iota([4]), D.int64([0], [1, 1]), D.float([1, 2])])
        }
        D.expectOpError("'sum'") {
            _ = try runOp(
                "ScatterND", [D.iota([4]), D.int64([0], [1, 1]), D.float([1])],
                attributes: ["reduction": .string("sum")])
        }
    }
}

@Suite("ScatterElements")
struct ScatterElementsTests {
    @Test("axis 0 (spec example)")
    func axis0() throws {
        let out = try runOp(
            "ScatterElements",
            [
                D.float([Float](repeating: 0, count: 9), [3, 3]),
                D.int64([1, 0, 2, 0, 2, 1], [2, 3]),
                D.float([1, 1.1, 1.2, 2, 2.1, 2.2], [2, 3]),
            ])[0]
        #expect(out.scalars(as: Float.self) == [2, 1.1, 0, 1, 0, 2.2, 0, 2.1, 1.2])
    }

    @Test("axis 1 with a negative index, and add reduction on duplicates")
    func axis1() throws {
        let out = try runOp(
            "ScatterElements", [D.int64([1, 2, 3, 4, 5]), D.int64([1, -2]), D.int64([11, 22])],
            attributes: ["axis": .int(0)])[0]
        #expect(try D.ints(out) == [1, 11, 3, 22, 5])
        let add = try runOp(
            "ScatterElements",
            [D.int64([1, 2, 3, 4, 5], [1, 5]), D.int64([1, 1], [1, 2]), D.int64([10, 20], [1, 2])],
            attributes: ["axis": .int(1), "reduction": .string("add")])[0]
        #expect(try D.ints(add) == [1, 32, 3, 4, 5])
    }

    @Test("out-of-range index and shape mismatch are errors")
    func errors() {
        D.expectOpError("index 5", "axis 0") {
            _ = try runOp("ScatterElements", [D.iota([5]), D.int64([5]), D.float([1])])
        }
        D.expectOpError("[2]", "[1]") {
            _ = try runOp("ScatterElements", [D.iota([5]), D.int64([0]), D.float([1, 2])])
        }
    }
}
