import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("NonZero")
struct NonZeroTests {
    @Test("2-D int64: one column of coordinates per non-zero")
    func twoD() throws {
        let out = try runOp("NonZero", [D.int64([1, 0, 0, -3], [2, 2])])[0]
        #expect(out.dtype == .int64 && out.shape == [2, 2])
        #expect(try D.ints(out) == [0, 1, 0, 1])
    }

    @Test("floats: -0.0 is zero, NaN is not; bool")
    func floats() throws {
        let out = try runOp("NonZero", [D.float([0, -0.0, .nan, 2, 0])])[0]
        #expect(out.shape == [1, 2])
        #expect(try D.ints(out) == [2, 3])
        let b = try runOp("NonZero", [D.bool([false, true, true], [3, 1])])[0]
        #expect(b.shape == [2, 2])
        #expect(try D.ints(b) == [1, 2, 0, 0])
    }

    @Test("all zero and scalar inputs")
    func edges() throws {
        #expect(try runOp("NonZero", [D.int32([0, 0], [1, 2])])[0].shape == [2, 0])
        let scalar = try runOp("NonZero", [Tensor(scalar: Float(5))])[0]
        #expect(scalar.shape == [1, 1])
        #expect(try D.ints(scalar) == [0])
    }
}

@Suite("OneHot")
struct OneHotTests {
    @Test("default axis -1, negative and out-of-range indices")
    func lastAxis() throws {
        let out = try runOp("OneHot", [D.int64([0, -1, 3, 5]), Tensor(scalar: Int64(4)), D.float([0, 1])])[0]
        #expect(out.shape == [4, 4])
        #expect(out.scalars(as: Float.self) == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0])
    }

    @Test("axis 0, float indices and depth, int64 values")
    func axis0() throws {
        let out = try runOp(
            "OneHot", [D.float([1, 0]), D.float([3]), D.int64([-1, 9])], attributes: ["axis": .int(0)])[0]
        #expect(out.shape == [3, 2])
        #expect(try D.ints(out) == [-1, 9, 9, -1, -1, -1])
    }

    @Test("bad depth or values are errors")
    func errors() {
        D.expectOpError("depth") {
            _ = try runOp("OneHot", [D.int64([0]), Tensor(scalar: Int64(0)), D.float([0, 1])])
        }
        D.expectOpError("[off, on]") {
            _ = try runOp("OneHot", [D.int64([0]), Tensor(scalar: Int64(2)), D.float([0, 1, 2])])
        }
    }
}
