import GraphIR
import TensorCore
import Testing

@testable import Interpreter

private func ints<T: TensorElement>(_ t: Tensor, _ type: T.Type) -> [T] { t.scalars(as: T.self) }

@Suite("Elementwise binary ops")
struct ElementwiseBinaryTests {
    // MARK: - Arithmetic

    @Test func integerArithmeticWraps() throws {
        let a = Tensor([Int8.max, Int8.min, 100] as [Int8])
        let b = Tensor([1, 1, 2] as [Int8])
        #expect(ints(try runOp("Add", [a, b])[0], Int8.self) == [.min, -127, 102])
        #expect(ints(try runOp("Sub", [a, b])[0], Int8.self) == [126, .max, 98])
        #expect(ints(try runOp("Mul", [a, b])[0], Int8.self) == [127, -128, -56])
        let u = Tensor([0, 5] as [UInt32])
        #expect(ints(try runOp("Sub", [u, Tensor([1, 2] as [UInt32])])[0], UInt32.self) == [.max, 3])
    }

    @Test func integerDivTruncatesTowardZeroAndNeverTraps() throws {
        let a = Tensor([7, -7, 7, -7, 5, Int32.min, 0] as [Int32])
        let b = Tensor([2, 2, -2, -2, 0, -1, 3] as [Int32])
        // x / 0 = 0 (documented choice, as numpy); min / -1 wraps to min.
        #expect(ints(try runOp("Div", [a, b])[0], Int32.self) == [3, -3, -3, 3, 0, .min, 0])
        let u = Tensor([7, 9] as [UInt64])
        #expect(ints(try runOp("Div", [u, Tensor([2, 0] as [UInt64])])[0], UInt64.self) == [3, 0])
    }

    @Test func floatDivByZeroFollowsIEEE() throws {
        let out = try runOp("Div", [Tensor([1, -1, 0] as [Float]), Tensor(scalar: Float(0))])[0]
        let v = out.scalars(as: Float.self)
        #expect(v[0] == .infinity && v[1] == -.infinity && v[2].isNaN)
    }

    @Test func modFollowsPythonSignsUnlessFmod() throws {
        let a = Tensor([7, -7, 7, -7, 6, 5, Int64.min] as [Int64])
        let b = Tensor([3, 3, -3, -3, 3, 0, -1] as [Int64])
        // np.mod: sign of the divisor; x mod 0 = 0.
        #expect(ints(try runOp("Mod", [a, b])[0], Int64.self) == [1, 2, -2, -1, 0, 0, 0])
        // np.fmod: sign of the dividend.
        let fmod = try runOp("Mod", [a, b], attributes: ["fmod": .int(1)])[0]
        #expect(ints(fmod, Int64.self) == [1, -1, 1, -1, 0, 0, 0])
        let u = try runOp("Mod", [Tensor([7, 250] as [UInt8]), Tensor(scalar: UInt8(4))])[0]
        #expect(ints(u, UInt8.self) == [3, 2])
    }

    @Test func floatMod() throws {
        let a = Tensor([5.5, -5.5, 5.5, -5.5] as [Float])
        let b = Tensor([2, 2, -2, -2] as [Float])
        expectClose(
            try runOp("Mod", [a, b], attributes: ["fmod": .int(1)])[0], [1.5, -1.5, 1.5, -1.5], shape: [4])
        expectClose(try runOp("Mod", [a, b])[0], [1.5, 0.5, -0.5, -1.5], shape: [4])
    }

    @Test func halfPrecisionArithmeticRoundsOnceFromFloat() throws {
        let a: [Float16] = [0.1, 1000, 65504]
        let b: [Float16] = [0.2, 0.5, 65504]
        let out = try runOp("Add", [Tensor(a), Tensor(b)])[0]
        #expect(out.dtype == .float16)
        #expect(out.scalars(as: Float16.self) == [Float16(Float(a[0]) + Float(b[0])), 1000.5, .infinity])
        let bf = try runOp("Mul", [Tensor([BFloat16(3), BFloat16(-0.5)]), Tensor([BFloat16(1.5)])])[0]
        #expect(bf.scalars(as: BFloat16.self) == [BFloat16(4.5), BFloat16(-0.75)])
    }

    @Test func mixedDTypesAreRejected() throws {
        let error = #expect(throws: OpError.self) {
            try runOp("Add", [Tensor([1] as [Float]), Tensor([1] as [Int64])])
        }
        #expect(error?.message.contains("float32") == true && error?.message.contains("int64") == true)
        let boolError = #expect(throws: OpError.self) {
            try runOp("Mul", [Tensor([true]), Tensor([false])])
        }
        #expect(boolError?.message.contains("Mul") == true && boolError?.message.contains("bool") == true)
    }

    // MARK: - Pow

    @Test func powFloatBaseWithFloatOrIntegerExponent() throws {
        let x = Tensor([-3, 0.5, 2, 4] as [Float])
        expectClose(try runOp("Pow", [x, Tensor(scalar: Float(2))])[0], [9, 0.25, 4, 16], shape: [4])
        expectClose(try runOp("Pow", [x, Tensor([3] as [Int64])])[0], [-27, 0.125, 8, 64], shape: [4])
        expectClose(try runOp("Pow", [x, Tensor(scalar: Float(3))])[0], [-27, 0.125, 8, 64], shape: [4])
        expectClose(
            try runOp("Pow", [x, Tensor(scalar: Float(2.5))])[0], [.nan, 0.1767767, 5.656854, 32], shape: [4])
        // A one-element exponent of higher rank than X still broadcasts the output up.
        expectClose(
            try runOp("Pow", [x, Tensor(shape: [1, 1], scalars: [Float(2)])])[0], [9, 0.25, 4, 16],
            shape: [1, 4])
        expectClose(
            try runOp("Pow", [x, Tensor([1, 2, 0.5, -0.5] as [Float])])[0], [-3, 0.25, 1.4142135, 0.5],
            shape: [4])
        let nan = try runOp("Pow", [Tensor([Float(-8)]), Tensor([Float(1.0 / 3)])])[0]
        #expect(nan.scalars(as: Float.self)[0].isNaN)
        let half = try runOp("Pow", [Tensor([Float16(3)]), Tensor([Float(2)])])[0]
        #expect(half.dtype == .float16 && half.scalars(as: Float16.self) == [9])
    }

    @Test func powIntegerBase() throws {
        let x = Tensor([2, -3, 5, 7] as [Int32])
        #expect(
            ints(try runOp("Pow", [x, Tensor([10, 3, 0, 2] as [Int64])])[0], Int32.self) == [
                1024, -27, 1, 49,
            ])
        // Negative exponents: 1 / x^n truncated toward zero.
        let y = Tensor([1, -1, -1, 2, 0] as [Int64])
        #expect(
            ints(try runOp("Pow", [y, Tensor([-1, -1, -2, -1, -1] as [Int32])])[0], Int64.self) == [
                1, -1, 1, 0, 0,
            ])
        // Float exponent: computed in Double, truncated back.
        #expect(
            ints(
                try runOp("Pow", [Tensor([4, 9, 2] as [Int64]), Tensor([0.5, 0.5, 0.5] as [Float])])[0],
                Int64.self) == [2, 3, 1])
    }

    // MARK: - Comparison and logic

    @Test func comparisonsGiveBoolsAndNaNComparesFalse() throws {
        let a = Tensor([1, 2, 3, .nan] as [Float])
        let b = Tensor([2, 2, 2, .nan] as [Float])
        #expect(ints(try runOp("Equal", [a, b])[0], Bool.self) == [false, true, false, false])
        #expect(ints(try runOp("Greater", [a, b])[0], Bool.self) == [false, false, true, false])
        #expect(ints(try runOp("GreaterOrEqual", [a, b])[0], Bool.self) == [false, true, true, false])
        #expect(ints(try runOp("Less", [a, b])[0], Bool.self) == [true, false, false, false])
        #expect(ints(try runOp("LessOrEqual", [a, b])[0], Bool.self) == [true, true, false, false])
    }

    @Test func comparisonsOnIntegersBoolsAndBroadcast() throws {
        let column = Tensor(shape: [2, 1], scalars: [1, 5] as [Int64])
        let row = Tensor([0, 1, 6] as [Int64])
        let out = try runOp("Less", [column, row])[0]
        #expect(out.shape == [2, 3] && out.dtype == .bool)
        #expect(ints(out, Bool.self) == [false, false, true, false, false, true])
        let u = try runOp("Greater", [Tensor([UInt64.max, 0]), Tensor([UInt64(1), 0])])[0]
        #expect(ints(u, Bool.self) == [true, false])
        let eq = try runOp("Equal", [Tensor([true, false, true]), Tensor([true, true, false])])[0]
        #expect(ints(eq, Bool.self) == [true, false, false])
        #expect(throws: OpError.self) { try runOp("Greater", [Tensor([true]), Tensor([false])]) }
        let half = try runOp("Equal", [Tensor([BFloat16(1), BFloat16(2)]), Tensor([BFloat16(2)])])[0]
        #expect(ints(half, Bool.self) == [false, true])
    }

    @Test func logicTruthTablesWithBroadcast() throws {
        let a = Tensor(shape: [2, 1], scalars: [false, true])
        let b = Tensor([false, true])
        #expect(ints(try runOp("And", [a, b])[0], Bool.self) == [false, false, false, true])
        #expect(ints(try runOp("Or", [a, b])[0], Bool.self) == [false, true, true, true])
        #expect(ints(try runOp("Xor", [a, b])[0], Bool.self) == [false, true, true, false])
        let error = #expect(throws: OpError.self) {
            try runOp("And", [Tensor([1] as [Int32]), Tensor([1] as [Int32])])
        }
        #expect(error?.message.contains("And") == true && error?.message.contains("int32") == true)
    }

    // MARK: - Where

    @Test func whereBroadcastsAllThreeInputs() throws {
        let condition = Tensor(shape: [2, 1], scalars: [true, false])
        let x = Tensor(shape: [1, 3], scalars: [1, 2, 3] as [Float])
        let y = Tensor(scalar: Float(-1))
        expectClose(try runOp("Where", [condition, x, y])[0], [1, 2, 3, -1, -1, -1], shape: [2, 3])
        let mask = Tensor([true, false, true])
        expectClose(
            try runOp("Where", [mask, x, Tensor(shape: [2, 1], scalars: [7, 8] as [Float])])[0],
            [1, 7, 3, 1, 8, 3], shape: [2, 3])
    }

    @Test func whereMovesEveryElementSize() throws {
        let c = Tensor([true, false])
        #expect(
            ints(try runOp("Where", [c, Tensor([Int64.max, 1]), Tensor([Int64(0), .min])])[0], Int64.self)
                == [.max, .min])
        #expect(
            ints(try runOp("Where", [c, Tensor([Float16(1.5), 2]), Tensor([Float16(-1)])])[0], Float16.self)
                == [1.5, -1])
        #expect(
            ints(try runOp("Where", [c, Tensor([true]), Tensor([false, true])])[0], Bool.self) == [
                true, true,
            ])
        #expect(
            ints(try runOp("Where", [c, Tensor([UInt8(1), 2]), Tensor([UInt8(9), 9])])[0], UInt8.self) == [
                1, 9,
            ])
    }

    @Test func whereRejectsBadDTypes() throws {
        let f = Tensor([Float(1)])
        let e1 = #expect(throws: OpError.self) { try runOp("Where", [f, f, f]) }
        #expect(e1?.message.contains("float32") == true)
        #expect(throws: OpError.self) { try runOp("Where", [Tensor([true]), f, Tensor([Int32(1)])]) }
    }

    // MARK: - Variadic

    @Test func maxMinPropagateNaN() throws {
        let a = Tensor([1, .nan, 3, -.infinity] as [Float])
        let b = Tensor([.nan, 2, 1, 0] as [Float])
        let max = try runOp("Max", [a, b])[0].scalars(as: Float.self)
        let min = try runOp("Min", [a, b])[0].scalars(as: Float.self)
        #expect(max[0].isNaN && max[1].isNaN && max[2] == 3 && max[3] == 0)
        #expect(min[0].isNaN && min[1].isNaN && min[2] == 1 && min[3] == -.infinity)
    }

    @Test func variadicFoldsWithBroadcast() throws {
        let a = Tensor([1, 5, 3] as [Float])
        let b = Tensor(shape: [2, 1], scalars: [2, 4] as [Float])
        let c = Tensor(scalar: Float(3))
        expectClose(try runOp("Max", [a, b, c])[0], [3, 5, 3, 4, 5, 4], shape: [2, 3])
        expectClose(try runOp("Min", [a, b, c])[0], [1, 2, 2, 1, 3, 3], shape: [2, 3])
        expectClose(try runOp("Sum", [a, b, c])[0], [6, 10, 8, 8, 12, 10], shape: [2, 3])
        expectClose(
            try runOp("Mean", [a, b, c])[0], [2, 10.0 / 3, 8.0 / 3, 8.0 / 3, 4, 10.0 / 3], shape: [2, 3])
        expectClose(try runOp("Sum", [a])[0], [1, 5, 3], shape: [3])
        let m = try runOp("Max", [Tensor([3, -9] as [Int32]), Tensor([Int32(-1)])])[0]
        #expect(ints(m, Int32.self) == [3, -1])
    }

    @Test func variadicRejectsBadInputs() throws {
        #expect(throws: OpError.self) { try runOp("Mean", [Tensor([1] as [Int32]), Tensor([1] as [Int32])]) }
        #expect(throws: OpError.self) { try runOp("Max", [Tensor([true])]) }
        #expect(throws: OpError.self) { try runOp("Sum", []) }
        #expect(throws: OpError.self) { try runOp("Sum", [Tensor([Float(1)]), Tensor([Float16(1)])]) }
    }

    // MARK: - PRelu

    @Test func preluBroadcastsSlopeToX() throws {
        let x = Tensor(shape: [2, 2], scalars: [-1, 2, -3, 4] as [Float])
        expectClose(
            try runOp("PRelu", [x, Tensor([0.1, 0.2] as [Float])])[0], [-0.1, 2, -0.3, 4], shape: [2, 2])
        #expect(
            ints(try runOp("PRelu", [Tensor([-4, 4] as [Int32]), Tensor([Int32(2)])])[0], Int32.self) == [
                -8, 4,
            ])
        let error = #expect(throws: OpError.self) {
            try runOp(
                "PRelu",
                [Tensor([-1, 1] as [Float]), Tensor(shape: [3, 1], scalars: [1, 2, 3] as [Float])])
        }
        #expect(error?.message.contains("[3, 1]") == true)
    }

    @Test func preluBeforeOpset7AppliesAOneDSlopePerChannel() throws {
        let x = Tensor(shape: [1, 2, 2], scalars: [-1, -2, -3, 4] as [Float])
        let slope = Tensor([0.5, 0.25] as [Float])
        expectClose(try runOp("PRelu", [x, slope], opset: 6)[0], [-0.5, -1, -0.75, 4], shape: [1, 2, 2])
        // From opset 7 on the same slope aligns with the last axis.
        expectClose(try runOp("PRelu", [x, slope], opset: 7)[0], [-0.5, -0.5, -1.5, 4], shape: [1, 2, 2])
    }
}
