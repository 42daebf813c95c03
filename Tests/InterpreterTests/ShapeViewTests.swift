import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Reshape")
struct ReshapeTests {
    @Test("0 copies the input dim and -1 is inferred")
    func zeroAndMinusOne() throws {
        let out = try runOp("Reshape", [D.iota([2, 3, 4]), D.int64([0, -1])])[0]
        #expect(out.shape == [2, 12])
        #expect(out.scalars(as: Float.self) == (0..<24).map { Float($0) })
    }

    @Test("-1 alone flattens, and shape [] views a one-element tensor as a scalar")
    func flattenAndScalar() throws {
        #expect(try runOp("Reshape", [D.iota([2, 3]), D.int64([-1])])[0].shape == [6])
        #expect(try runOp("Reshape", [D.float([7], [1, 1]), D.int64([])])[0].shape == [])
    }

    @Test("allowzero=1 makes 0 a literal dim (opset 14)")
    func allowzero() throws {
        let out = try runOp(
            "Reshape", [D.float([], [0, 3]), D.int64([3, 0])],
            attributes: ["allowzero": .int(1)])[0]
        #expect(out.shape == [3, 0])
        // Without allowzero the 0 copies input dim 1 (3), and 3 · 3 ≠ 0 elements.
        D.expectOpError("[0, 3]", "[3, 0]") {
            _ = try runOp("Reshape", [D.float([], [0, 3]), D.int64([3, 0])])
        }
    }

    @Test("opset 1 reads the shape attribute")
    func opset1() throws {
        let out = try runOp("Reshape", [D.iota64([6])], attributes: ["shape": .ints([3, 2])], opset: 1)[0]
        #expect(out.shape == [3, 2])
        #expect(try D.ints(out) == [0, 1, 2, 3, 4, 5])
    }

    @Test("the result shares the input's storage")
    func noCopy() throws {
        let input = D.iota([4, 4])
        let out = try runOp("Reshape", [input, D.int64([16])])[0]
        #expect(out.storage === input.storage)
    }

    @Test("bool data reshapes like any other")
    func boolData() throws {
        let out = try runOp("Reshape", [D.bool([true, false, true, true], [4]), D.int64([2, 2])])[0]
        #expect(out.shape == [2, 2])
        #expect(out.scalars(as: Bool.self) == [true, false, true, true])
    }

    @Test("mismatched counts, two -1 and negative dims are errors")
    func errors() {
        D.expectOpError("[2, 3]", "[4, 2]") { _ = try runOp("Reshape", [D.iota([2, 3]), D.int64([4, 2])]) }
        D.expectOpError("more than one -1") {
            _ = try runOp("Reshape", [D.iota([2, 3]), D.int64([-1, -1])])
        }
        D.expectOpError("negative dim -2") { _ = try runOp("Reshape", [D.iota([2, 3]), D.int64([-2, 3])]) }
        D.expectOpError("[4, -1]", "does not divide") {
            _ = try runOp("Reshape", [D.iota([2, 3]), D.int64([4, -1])])
        }
        D.expectOpError("rank 1") { _ = try runOp("Reshape", [D.iota([6]), D.int64([2, 0])]) }
        D.expectOpError("integer") { _ = try runOp("Reshape", [D.iota([6]), D.float([6])]) }
    }
}

@Suite("Squeeze and Unsqueeze")
struct SqueezeTests {
    @Test("Squeeze with axes input (opset 13), negative axis")
    func squeezeInput() throws {
        let out = try runOp("Squeeze", [D.iota([1, 3, 1, 2]), D.int64([-2])])[0]
        #expect(out.shape == [1, 3, 2])
    }

    @Test("Squeeze without axes removes every unit axis")
    func squeezeAll() throws {
        #expect(try runOp("Squeeze", [D.iota([1, 3, 1, 2])])[0].shape == [3, 2])
        #expect(try runOp("Squeeze", [D.iota([1, 1])])[0].shape == [])
        // An empty axes input means "all", as in onnxruntime.
        #expect(try runOp("Squeeze", [D.iota([1, 3, 1]), D.int64([])])[0].shape == [3])
    }

    @Test("Squeeze with the axes attribute (opset 11)")
    func squeezeAttribute() throws {
        let out = try runOp("Squeeze", [D.iota64([1, 3, 1])], attributes: ["axes": .ints([0])], opset: 11)[0]
        #expect(out.shape == [3, 1])
        #expect(try D.ints(out) == [0, 1, 2])
    }

    @Test("Squeeze of a non-unit axis or an axis out of range is an error")
    func squeezeErrors() {
        D.expectOpError("axis 1", "[1, 3]", "expected 1") {
            _ = try runOp("Squeeze", [D.iota([1, 3]), D.int64([1])])
        }
        D.expectOpError("out of range", "rank 2") {
            _ = try runOp("Squeeze", [D.iota([1, 3]), D.int64([2])])
        }
    }

    @Test("Unsqueeze inserts axes counted in the output rank (opset 13 input)")
    func unsqueezeInput() throws {
        let out = try runOp("Unsqueeze", [D.iota([3, 4]), D.int64([0, -1])])[0]
        #expect(out.shape == [1, 3, 4, 1])
        let middle = try runOp("Unsqueeze", [D.iota([3, 4]), D.int64([1, 3])])[0]
        #expect(middle.shape == [3, 1, 4, 1])
        let scalar = try runOp("Unsqueeze", [Tensor(scalar: Int64(5)), D.int64([0])])[0]
        #expect(scalar.shape == [1])
        #expect(try D.ints(scalar) == [5])
    }

    @Test("Unsqueeze with the axes attribute (opset 11)")
    func unsqueezeAttribute() throws {
        let out = try runOp(
            "Unsqueeze", [D.bool([true, false])], attributes: ["axes": .ints([1])], opset: 11)[0]
        #expect(out.shape == [2, 1])
        #expect(out.scalars(as: Bool.self) == [true, false])
    }

    @Test("Unsqueeze with repeated or out-of-range axes is an error")
    func unsqueezeErrors() {
        D.expectOpError("repeat") { _ = try runOp("Unsqueeze", [D.iota([3]), D.int64([0, -3])]) }
        D.expectOpError("out of range") { _ = try runOp("Unsqueeze", [D.iota([3]), D.int64([2])]) }
    }
}

@Suite("Flatten, Identity, Dropout, Shape, Size")
struct TrivialShapeOpTests {
    @Test("Flatten at axis 0, default 1, negative and rank")
    func flatten() throws {
        let x = D.iota([2, 3, 4])
        #expect(try runOp("Flatten", [x], attributes: ["axis": .int(0)])[0].shape == [1, 24])
        #expect(try runOp("Flatten", [x])[0].shape == [2, 12])
        #expect(try runOp("Flatten", [x], attributes: ["axis": .int(-1)])[0].shape == [6, 4])
        #expect(try runOp("Flatten", [x], attributes: ["axis": .int(3)])[0].shape == [24, 1])
        D.expectOpError("axis 4") { _ = try runOp("Flatten", [x], attributes: ["axis": .int(4)]) }
    }

    @Test("Identity returns its input without copying")
    func identity() throws {
        let x = D.iota64([2, 2])
        let out = try runOp("Identity", [x])[0]
        #expect(out.storage === x.storage && out.shape == [2, 2])
    }

    @Test("Dropout in inference is the identity; the mask is all true")
    func dropout() throws {
        let x = D.float([1, -2, 3], [3])
        let one = try runOp("Dropout", [x, Tensor(scalar: Float(0.5))])
        #expect(one.count == 1)
        #expect(one[0].scalars(as: Float.self) == [1, -2, 3])
        let two = try runOp("Dropout", [x], outputs: 2)
        #expect(two[1].dtype == .bool && two[1].shape == [3])
        #expect(two[1].scalars(as: Bool.self) == [true, true, true])
        let training = try runOp("Dropout", [x, Tensor(scalar: Float(0)), Tensor(scalar: true)])
        #expect(training[0].scalars(as: Float.self) == [1, -2, 3])
        D.expectOpError("training_mode") {
            _ = try runOp("Dropout", [x, Tensor(scalar: Float(0.1)), Tensor(scalar: true)])
        }
    }

    @Test("Dropout before opset 10 gives a mask of the input's dtype")
    func dropoutOldMask() throws {
        let out = try runOp("Dropout", [D.float([4, 5])], opset: 7, outputs: 2)
        #expect(out[1].dtype == .float32)
        #expect(out[1].scalars(as: Float.self) == [1, 1])
    }

    @Test("Shape with start and end (opset 15), clamped")
    func shape() throws {
        let x = D.iota([2, 3, 4, 5])
        #expect(try D.ints(runOp("Shape", [x])[0]) == [2, 3, 4, 5])
        #expect(try runOp("Shape", [x])[0].dtype == .int64)
        #expect(
            try D.ints(runOp("Shape", [x], attributes: ["start": .int(1), "end": .int(-1)])[0]) == [3, 4])
        #expect(
            try D.ints(runOp("Shape", [x], attributes: ["start": .int(-10), "end": .int(10)])[0]) == [
                2, 3, 4, 5,
            ])
        #expect(try runOp("Shape", [x], attributes: ["start": .int(3), "end": .int(1)])[0].shape == [0])
        #expect(try runOp("Shape", [Tensor(scalar: Float(1))])[0].shape == [0])
    }

    @Test("Size counts elements, 0 for empty tensors")
    func size() throws {
        let out = try runOp("Size", [D.iota([2, 3, 4])])[0]
        #expect(out.dtype == .int64 && out.shape == [])
        #expect(try D.ints(out) == [24])
        #expect(try D.ints(runOp("Size", [D.float([], [3, 0])])[0]) == [0])
    }
}
