import Testing
@testable import TensorCore

@Suite struct TensorTests {
    @Test func copyOnWriteLeavesTheOriginalAlone() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
        var b = a
        b.withUnsafeMutableBufferPointer(of: Float.self) { $0[0] = 10 }
        #expect(a.scalars(as: Float.self) == [1, 2, 3, 4])
        #expect(b.scalars(as: Float.self) == [10, 2, 3, 4])
    }

    @Test func reshapeSharesStorageAndChecksCount() throws {
        let a = Tensor(shape: [2, 3], scalars: Array(0..<6).map(Int64.init))
        let b = try a.reshaped([3, 2])
        #expect(b.storage === a.storage)
        #expect(throws: TensorError.self) { try a.reshaped([4, 2]) }
    }

    @Test func shapesAreCheckedBeforeAllocation() {
        #expect(throws: TensorError.self) { try Tensor(zeros: .float32, shape: [2, -1]) }
        #expect(throws: TensorError.self) { try Tensor(zeros: .float32, shape: [1 << 40, 1 << 40]) }
        #expect(throws: TensorError.self) { try Tensor(zeros: .float64, shape: [1 << 61]) }
        #expect(throws: TensorError.self) { try Tensor(zeros: .string, shape: [1]) }
    }

    @Test func broadcastFollowsNumPy() throws {
        #expect(try Shape.broadcast([2, 1, 3], [4, 1]) == [2, 4, 3])
        #expect(try Shape.broadcast([], [5]) == [5])
        #expect(try Shape.broadcast([0, 1], [1, 3]) == [0, 3])
        #expect(throws: TensorError.notBroadcastable([2, 3], [4, 3])) { try Shape.broadcast([2, 3], [4, 3]) }
        #expect(Shape.broadcastStrides([3, 1], to: [2, 3, 4]) == [0, 1, 0])
        #expect(Shape.strides([2, 3, 4]) == [12, 4, 1])
    }

    @Test func bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0).
        #expect(BFloat16(Float(1 + 1.0 / 256)).floatValue == 1)
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: the even one is 1 + 2^-6.
        #expect(BFloat16(Float(1 + 3.0 / 256)).floatValue == Float(1 + 1.0 / 64))
        #expect(BFloat16(Float.nan).floatValue.isNaN)
        #expect(BFloat16(Float.infinity).floatValue == .infinity)
    }

    @Test func integerViews() throws {
        #expect(try Tensor([3, -1] as [Int32]).intValues() == [3, -1])
        #expect(try Tensor([true, false]).intValues() == [1, 0])
        #expect(throws: TensorError.self) { try Tensor([1.5] as [Float]).intValues() }
    }
}
