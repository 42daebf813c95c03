import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Range")
struct RangeTests {
    @Test(
        "int64 ranges, positive and negative deltas",
        arguments: [
            (0, 5, 1, [0, 1, 2, 3, 4]),
            (10, 1, -3, [10, 7, 4]),
            (-1, -8, -2, [-1, -3, -5, -7]),
            (3, 3, 1, []),
            (5, 1, 1, []),
        ])
    func int64(start: Int, limit: Int, delta: Int, expected: [Int]) throws {
        let out = try runOp(
            "Range",
            [Tensor(scalar: Int64(start)), Tensor(scalar: Int64(limit)), Tensor(scalar: Int64(delta))])[0]
        #expect(out.dtype == .int64 && out.shape == [expected.count])
        #expect(try D.ints(out) == expected)
    }

    @Test("float32 and int32 ranges keep their dtype")
    func otherDtypes() throws {
        let f = try runOp(
            "Range", [Tensor(scalar: Float(1)), Tensor(scalar: Float(2)), Tensor(scalar: Float(0.25))])[0]
        #expect(f.dtype == .float32)
        #expect(f.scalars(as: Float.self) == [1, 1.25, 1.5, 1.75])
        // ceil((1 - 0) / 0.3) = 4 elements.
        let g = try runOp("Range", [Tensor(scalar: 0.0), Tensor(scalar: 1.0), Tensor(scalar: 0.3)])[0]
        #expect(g.shape == [4])
        let i = try runOp(
            "Range", [Tensor(scalar: Int32(2)), Tensor(scalar: Int32(8)), Tensor(scalar: Int32(3))])[0]
        #expect(i.scalars(as: Int32.self) == [2, 5])
    }

    @Test("zero delta, mixed dtypes, overflow and huge lengths are errors")
    func errors() {
        D.expectOpError("delta must not be 0") {
            _ = try runOp(
                "Range", [Tensor(scalar: Int64(0)), Tensor(scalar: Int64(3)), Tensor(scalar: Int64(0))])
        }
        D.expectOpError("int64", "float32") {
            _ = try runOp(
                "Range", [Tensor(scalar: Int64(0)), Tensor(scalar: Float(3)), Tensor(scalar: Int64(1))])
        }
        D.expectOpError("overflows") {
            _ = try runOp(
                "Range", [Tensor(scalar: Int64.min), Tensor(scalar: Int64.max), Tensor(scalar: Int64(1))])
        }
        D.expectOpError("too many") {
            _ = try runOp(
                "Range", [Tensor(scalar: Int64(0)), Tensor(scalar: Int64.max), Tensor(scalar: Int64(1))])
        }
        D.expectOpError("finite") {
            _ = try runOp(
                "Range", [Tensor(scalar: Float(0)), Tensor(scalar: Float.infinity), Tensor(scalar: Float(1))])
        }
    }
}
