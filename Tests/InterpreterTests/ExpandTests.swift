import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Expand")
struct ExpandTests {
    @Test("column broadcast to a higher rank (innermost axis repeats one element)")
    func column() throws {
        let out = try runOp("Expand", [D.float([1, 2, 3], [3, 1]), D.int64([2, 3, 4])])[0]
        #expect(out.shape == [2, 3, 4])
        let expected: [Float] = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
        #expect(out.scalars(as: Float.self) == expected + expected)
    }

    @Test("bidirectional: a 1 in shape keeps the input's dim")
    func bidirectional() throws {
        let out = try runOp("Expand", [D.iota64([1, 3]), D.int64([2, 1])])[0]
        #expect(out.shape == [2, 3])
        #expect(try D.ints(out) == [0, 1, 2, 0, 1, 2])
        let same = try runOp("Expand", [D.iota64([2, 3]), D.int64([1, 1])])[0]
        #expect(same.shape == [2, 3])
    }

    @Test("scalar to a matrix; bool data; zero-size target")
    func scalarsAndEdges() throws {
        let s = try runOp("Expand", [Tensor(scalar: true), D.int64([2, 2])])[0]
        #expect(s.scalars(as: Bool.self) == [true, true, true, true])
        let empty = try runOp("Expand", [D.float([5], [1]), D.int64([3, 0])])[0]
        #expect(empty.shape == [3, 0])
    }

    @Test("shapes that do not broadcast are an error naming both")
    func errors() {
        D.expectOpError("[2, 3]", "[4]") { _ = try runOp("Expand", [D.iota([2, 3]), D.int64([4])]) }
        D.expectOpError("negative dim -1") { _ = try runOp("Expand", [D.iota([3]), D.int64([-1, 3])]) }
    }
}

@Suite("Tile")
struct TileTests {
    @Test("2-D tile (2, 3)")
    func twoD() throws {
        let out = try runOp("Tile", [D.int64([1, 2, 3, 4], [2, 2]), D.int64([2, 3])])[0]
        #expect(out.shape == [4, 6])
        #expect(try D.ints(out) == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
    }

    @Test("1-D repeat, zero repeats, bool")
    func edges() throws {
        #expect(
            try runOp("Tile", [D.float([1, 2]), D.int64([3])])[0].scalars(as: Float.self) == [
                1, 2, 1, 2, 1, 2,
            ])
        #expect(try runOp("Tile", [D.iota([2, 2]), D.int64([0, 1])])[0].shape == [0, 2])
        let b = try runOp("Tile", [D.bool([true, false], [2, 1]), D.int64([1, 2])])[0]
        #expect(b.scalars(as: Bool.self) == [true, true, false, false])
    }

    @Test("repeats of the wrong length or negative are errors")
    func errors() {
        D.expectOpError("[2]", "2 non-negative", "[2, 2]") {
            _ = try runOp("Tile", [D.iota([2, 2]), D.int64([2])])
        }
        D.expectOpError("[-1, 1]") { _ = try runOp("Tile", [D.iota([2, 2]), D.int64([-1, 1])]) }
    }
}
