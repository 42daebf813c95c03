import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Constant")
struct ConstantTests {
    @Test("each value attribute form")
    func forms() throws {
        let tensor = try runOp(
            "Constant", [], attributes: ["value": .tensor(D.int64([1, 2, 3, 4], [2, 2]))])[0]
        #expect(tensor.shape == [2, 2] && tensor.dtype == .int64)
        let f = try runOp("Constant", [], attributes: ["value_float": .float(2.5)])[0]
        #expect(f.shape == [] && f.scalars(as: Float.self) == [2.5])
        let fs = try runOp("Constant", [], attributes: ["value_floats": .floats([1, 2])])[0]
        #expect(fs.shape == [2] && fs.scalars(as: Float.self) == [1, 2])
        let i = try runOp("Constant", [], attributes: ["value_int": .int(-7)])[0]
        #expect(i.dtype == .int64 && i.shape == [])
        #expect(try D.ints(i) == [-7])
        let iss = try runOp("Constant", [], attributes: ["value_ints": .ints([3, 4, 5])])[0]
        #expect(iss.dtype == .int64)
        #expect(try D.ints(iss) == [3, 4, 5])
    }

    @Test("string and sparse values, none or two attributes are errors")
    func errors() {
        D.expectOpError("not supported") {
            _ = try runOp("Constant", [], attributes: ["value_string": .string("a")])
        }
        D.expectOpError("not supported") {
            _ = try runOp("Constant", [], attributes: ["value_strings": .strings(["a"])])
        }
        D.expectOpError("not supported") {
            _ = try runOp("Constant", [], attributes: ["sparse_value": .unsupported("SPARSE_TENSOR")])
        }
        D.expectOpError("got none") { _ = try runOp("Constant", []) }
        D.expectOpError("value_int") {
            _ = try runOp("Constant", [], attributes: ["value_int": .int(1), "value_float": .float(1)])
        }
    }
}

@Suite("ConstantOfShape")
struct ConstantOfShapeTests {
    @Test("default float zero, int64 value, bool value, scalar from an empty shape")
    func values() throws {
        let zeros = try runOp("ConstantOfShape", [D.int64([2, 3])])[0]
        #expect(zeros.dtype == .float32 && zeros.shape == [2, 3])
        #expect(zeros.scalars(as: Float.self) == [Float](repeating: 0, count: 6))
        let sevens = try runOp(
            "ConstantOfShape", [D.int64([3])], attributes: ["value": .tensor(D.int64([7]))])[0]
        #expect(try D.ints(sevens) == [7, 7, 7])
        let trues = try runOp(
            "ConstantOfShape", [D.int64([2])], attributes: ["value": .tensor(D.bool([true]))])[0]
        #expect(trues.scalars(as: Bool.self) == [true, true])
        let scalar = try runOp(
            "ConstantOfShape", [D.int64([])], attributes: ["value": .tensor(D.float([4]))])[0]
        #expect(scalar.shape == [] && scalar.scalars(as: Float.self) == [4])
        #expect(try runOp("ConstantOfShape", [D.int64([0, 5])])[0].shape == [0, 5])
    }

    @Test("negative dims, huge shapes and multi-element values are errors")
    func errors() {
        D.expectOpError("negative dim -1") { _ = try runOp("ConstantOfShape", [D.int64([2, -1])]) }
        D.expectOpError("exceeds") { _ = try runOp("ConstantOfShape", [D.int64([1 << 40, 1 << 20])]) }
        D.expectOpError("one element") {
            _ = try runOp("ConstantOfShape", [D.int64([2])], attributes: ["value": .tensor(D.float([1, 2]))])
        }
    }
}

@Suite("EyeLike")
struct EyeLikeTests {
    @Test(
        "square, offset diagonals, dtype attribute",
        arguments: [
            (0, [1, 0, 0, 0, 1, 0, 0, 0, 1]),
            (1, [0, 1, 0, 0, 0, 1, 0, 0, 0]),
            (-2, [0, 0, 0, 0, 0, 0, 1, 0, 0]),
            (5, [0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ])
    func diagonals(k: Int, expected: [Int]) throws {
        let attributes: [String: Attribute] = ["k": .int(k), "dtype": .int(Int(DType.int64.rawValue))]
        let out = try runOp("EyeLike", [D.iota([3, 3])], attributes: attributes)[0]
        #expect(out.dtype == .int64)
        #expect(try D.ints(out) == expected)
    }

    @Test("default dtype is the input's; rectangular")
    func rectangular() throws {
        let out = try runOp("EyeLike", [D.iota([2, 3])])[0]
        #expect(out.dtype == .float32 && out.scalars(as: Float.self) == [1, 0, 0, 0, 1, 0])
        D.expectOpError("2-D") { _ = try runOp("EyeLike", [D.iota([3])]) }
        D.expectOpError("dtype 99") {
            _ = try runOp("EyeLike", [D.iota([2, 2])], attributes: ["dtype": .int(99)])
        }
    }
}
