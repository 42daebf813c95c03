import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Concat")
struct ConcatTests {
    @Test("axis 0 and axis 1 of 2-D inputs")
    func twoD() throws {
        let a = D.float([1, 2, 3, 4], [2, 2])
        let b = D.float([5, 6], [1, 2])
        let rows = try runOp("Concat", [a, b], attributes: ["axis": .int(0)])[0]
        #expect(rows.shape == [3, 2])
        #expect(rows.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
        let c = D.float([7, 8, 9, 10, 11, 12], [2, 3])
        let columns = try runOp("Concat", [a, c], attributes: ["axis": .int(1)])[0]
        #expect(columns.shape == [2, 5])
        #expect(columns.scalars(as: Float.self) == [1, 2, 7, 8, 9, 3, 4, 10, 11, 12])
    }

    @Test("negative axis, three int64 inputs (shape building)")
    func shapeBuilding() throws {
        let out = try runOp(
            "Concat", [D.int64([1]), D.int64([-1]), D.int64([12, 64])], attributes: ["axis": .int(-1)])[0]
        #expect(try D.ints(out) == [1, -1, 12, 64])
    }

    @Test("empty inputs: zero-size along the axis, and 1-D empty placeholders are skipped")
    func emptyInputs() throws {
        let a = D.iota64([2, 2])
        let zero = Tensor(shape: [2, 0], scalars: [Int64]())
        let out = try runOp("Concat", [zero, a, zero], attributes: ["axis": .int(1)])[0]
        #expect(out.shape == [2, 2])
        #expect(try D.ints(out) == [0, 1, 2, 3])
        let placeholder = Tensor(shape: [0], scalars: [Int64]())
        let skipped = try runOp("Concat", [a, placeholder], attributes: ["axis": .int(0)])[0]
        #expect(skipped.shape == [2, 2])
        let allEmpty = try runOp("Concat", [placeholder, placeholder], attributes: ["axis": .int(0)])[0]
        #expect(allEmpty.shape == [0])
    }

    @Test("before opset 4 the axis defaults to 1")
    func opset1DefaultAxis() throws {
        let out = try runOp("Concat", [D.iota64([1, 2]), D.iota64([1, 1])], opset: 1)[0]
        #expect(out.shape == [1, 3])
        #expect(try D.ints(out) == [0, 1, 0])
    }

    @Test("bool inputs along a middle axis")
    func bools() throws {
        let a = D.bool([true, false, true, false], [2, 1, 2])
        let b = D.bool([false, false, true, true], [2, 1, 2])
        let out = try runOp("Concat", [a, b], attributes: ["axis": .int(1)])[0]
        #expect(out.shape == [2, 2, 2])
        #expect(out.scalars(as: Bool.self) == [true, false, false, false, true, false, true, true])
    }

    @Test("shape mismatch, dtype mismatch and bad axis are errors")
    func errors() {
        D.expectOpError("[2, 3]", "[2, 2]", "axis 0") {
            _ = try runOp("Concat", [D.iota([2, 2]), D.iota([2, 3])], attributes: ["axis": .int(0)])
        }
        D.expectOpError("int64", "float32") {
            _ = try runOp("Concat", [D.iota([2]), D.int64([1])], attributes: ["axis": .int(0)])
        }
        D.expectOpError("axis 2") {
            _ = try runOp("Concat", [D.iota([2, 2]), D.iota([2, 2])], attributes: ["axis": .int(2)])
        }
        // A missing attribute is the importer's attribute error, raised when the op is bound.
        #expect(throws: AttributeError.self) { _ = try runOp("Concat", [D.iota([2])]) }
    }
}
