import GraphIR
import Interpreter
import TensorCore
import Testing

@Suite("Cast and CastLike ops")
struct CastOpTests {
    @Test func castToAttributeCode() throws {
        let x = Tensor([1.9, -1.9, 0] as [Float])
        let out = try runOp("Cast", [x], attributes: ["to": .int(Int(DType.int64.rawValue))])[0]
        #expect(out.dtype == .int64)
        #expect(out.scalars(as: Int64.self) == [1, -1, 0])
        let b = try runOp("Cast", [x], attributes: ["to": .int(9)])[0]
        #expect(b.scalars(as: Bool.self) == [true, true, false])
    }

    @Test func opset1TakesATypeName() throws {
        let out = try runOp(
            "Cast", [Tensor([3] as [Int32])], attributes: ["to": .string("DOUBLE")], opset: 1)[0]
        #expect(out.dtype == .float64 && out.scalars(as: Double.self) == [3])
    }

    @Test func saturateIsAcceptedFromOpset19() throws {
        let out = try runOp(
            "Cast", [Tensor([Float(70000)])],
            attributes: ["to": .int(10), "saturate": .int(1)], opset: 19)[0]
        #expect(out.scalars(as: Float16.self) == [.infinity])
    }

    @Test func badTargetsAreErrors() {
        let x = Tensor([Float(1)])
        // 14 = COMPLEX64, 8 = STRING: not supported.
        #expect(throws: OpError.self) { try runOp("Cast", [x], attributes: ["to": .int(14)]) }
        #expect(throws: OpError.self) { try runOp("Cast", [x], attributes: ["to": .int(8)]) }
        #expect(throws: OpError.self) { try runOp("Cast", [x], attributes: ["to": .int(1 << 40)]) }
        #expect(throws: OpError.self) { try runOp("Cast", [x]) }
        #expect(throws: OpError.self) {
            try runOp("Cast", [x], attributes: ["to": .string("COMPLEX64")], opset: 1)
        }
    }

    @Test func castLikeTakesTheSecondInputsDType() throws {
        let out = try runOp("CastLike", [Tensor([2.5, -0.5] as [Double]), Tensor([Float16(0)])])[0]
        #expect(out.dtype == .float16 && out.scalars(as: Float16.self) == [2.5, -0.5])
        #expect(throws: OpError.self) { try runOp("CastLike", [Tensor([Float(1)])]) }
    }
}
