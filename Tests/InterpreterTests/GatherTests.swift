import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Gather")
struct GatherTests {
    private let x = D.iota64([3, 4])  // x[i][j] = 4i + j

    @Test("axis 1 with 2-D indices and a negative index")
    func axis1() throws {
        let out = try runOp("Gather", [x, D.int64([0, -1, 1, 1], [2, 2])], attributes: ["axis": .int(1)])[0]
        #expect(out.shape == [3, 2, 2])
        #expect(try D.ints(out) == [0, 3, 1, 1, 4, 7, 5, 5, 8, 11, 9, 9])
    }

    @Test("scalar index drops the axis; int32 indices; embedding rows of float")
    func scalarIndex() throws {
        let row = try runOp("Gather", [x, Tensor(scalar: Int64(2))])[0]
        #expect(row.shape == [4])
        #expect(try D.ints(row) == [8, 9, 10, 11])
        let embedding = try runOp("Gather", [D.iota([5, 3]), D.int32([4, 0, 4], [1, 3])])[0]
        #expect(embedding.shape == [1, 3, 3])
        #expect(embedding.scalars(as: Float.self) == [12, 13, 14, 0, 1, 2, 12, 13, 14])
    }

    @Test("bool data, negative axis, empty indices")
    func boolAndEmpty() throws {
        let b = try runOp(
            "Gather", [D.bool([true, false, false, true], [2, 2]), D.int64([1])],
            attributes: ["axis": .int(-1)])[0]
        #expect(b.shape == [2, 1])
        #expect(b.scalars(as: Bool.self) == [false, true])
        let empty = try runOp("Gather", [x, D.int64([])])[0]
        #expect(empty.shape == [0, 4])
    }

    @Test("an index out of range is an error naming it, not a crash")
    func outOfRange() {
        D.expectOpError("index 3", "axis 0", "[3, 4]", "-3...2") {
            _ = try runOp("Gather", [x, D.int64([0, 3])])
        }
        D.expectOpError("index -5") {
            _ = try runOp("Gather", [x, D.int64([-5])], attributes: ["axis": .int(1)])
        }
        D.expectOpError("axis 2") {
            _ = try runOp("Gather", [x, D.int64([0])], attributes: ["axis": .int(2)])
        }
        D.expectOpError("integer") { _ = try runOp("Gather", [x, D.float([0])]) }
    }
}

@Suite("GatherElements")
struct GatherElementsTests {
    @Test("axis 1 (spec example)")
    func axis1() throws {
        let out = try runOp(
            "GatherElements", [D.float([1, 2, 3, 4], [2, 2]), D.int64([0, 0, 1, 0], [2, 2])],
            attributes: ["axis": .int(1)])[0]
        #expect(out.scalars(as: Float.self) == [1, 1, 4, 3])
    }

    @Test("axis 0 with negative indices and indices smaller than data")
    func axis0() throws {
        let out = try runOp("GatherElements", [D.iota64([3, 3]), D.int64([1, 2, 0, 2, 0, -1], [2, 3])])[0]
        #expect(out.shape == [2, 3])
        #expect(try D.ints(out) == [3, 7, 2, 6, 1, 8])
        let narrow = try runOp(
            "GatherElements", [D.iota64([3, 3]), D.int32([2, 1], [2, 1])], attributes: ["axis": .int(0)])[0]
        #expect(try D.ints(narrow) == [6, 3])
    }

    @Test("out-of-range index and rank mismatch are errors")
    func errors() {
        D.expectOpError("index 2", "axis 1") {
            _ = try runOp(
                "GatherElements", [D.iota([2, 2]), D.int64([0, 2, 0, 0], [2, 2])],
                attributes: ["axis": .int(1)])
        }
        D.expectOpError("[4]", "[2, 2]") {
            _ = try runOp("GatherElements", [D.iota([2, 2]), D.int64([0, 0, 0, 0])])
        }
    }
}

@Suite("GatherND")
struct GatherNDTests {
    @Test("full tuples pick elements, shorter tuples pick slices")
    func basics() throws {
        let data = D.iota64([2, 2])
        let elements = try runOp("GatherND", [data, D.int64([0, 0, 1, 1], [2, 2])])[0]
        #expect(elements.shape == [2])
        #expect(try D.ints(elements) == [0, 3])
        let rows = try runOp("GatherND", [data, D.int64([1, 0], [2, 1])])[0]
        #expect(rows.shape == [2, 2])
        #expect(try D.ints(rows) == [2, 3, 0, 1])
    }

    @Test("3-D data, index tuples in a nested batch, negative index")
    func nested() throws {
        let out = try runOp("GatherND", [D.iota64([2, 2, 2]), D.int64([0, 1, -1, 0], [2, 1, 2])])[0]
        #expect(out.shape == [2, 1, 2])
        #expect(try D.ints(out) == [2, 3, 4, 5])
    }

    @Test("batch_dims 1")
    func batchDims() throws {
        let out = try runOp(
            "GatherND", [D.iota64([2, 2, 2]), D.int64([1, 0], [2, 1])], attributes: ["batch_dims": .int(1)])[
                0]
        #expect(out.shape == [2, 2])
        #expect(try D.ints(out) == [2, 3, 4, 5])
    }

    @Test("out-of-range indices and mismatched batch dims are errors")
    func errors() {
        D.expectOpError("index 2", "axis 1") {
            _ = try runOp("GatherND", [D.iota([2, 2]), D.int64([0, 2], [1, 2])])
        }
        D.expectOpError("batch_dims 1") {
            _ = try runOp(
                "GatherND", [D.iota([2, 2]), D.int64([0, 0, 0], [3, 1])], attributes: ["batch_dims": .int(1)])
        }
        D.expectOpError("[1, 3]") {
            _ = try runOp("GatherND", [D.iota([2, 2]), D.int64([0, 0, 0], [1, 3])])
        }
    }
}
