import GraphIR
import Interpreter
import TensorCore
import Testing

/// Einsum equations against numpy.einsum.
@Suite struct EinsumTests {
    /// 0, 1, 2, … (times `scale`, plus `offset`) in `shape`.
    private func ramp(_ shape: [Int], scale: Float = 1, offset: Float = 0) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0) * scale + offset })
    }

    private func einsum(_ equation: String, _ inputs: [Tensor]) throws -> Tensor {
        try runOp("Einsum", inputs, attributes: ["equation": .string(equation)], opset: 12)[0]
    }

    @Test func batchedMatrixProduct() throws {
        let y = try einsum("bij,bjk->bik", [ramp([2, 2, 3]), ramp([2, 3, 2], offset: -3)])
        expectClose(y, [1, 4, -8, 4, 109, 130, 154, 184], shape: [2, 2, 2])
    }

    @Test func attentionScoresUseTheTransposeFlag() throws {
        let y = try einsum("bhqd,bhkd->bhqk", [ramp([1, 2, 3, 2]), ramp([1, 2, 2, 2], scale: 0.5, offset: -1)])
        expectClose(y, [-0.5, 0.5, -3.5, 1.5, -6.5, 2.5, 16.5, 29.5, 21.5, 38.5, 26.5, 47.5], shape: [1, 2, 3, 2])
    }

    @Test func headsInTheMiddleNeedCopies() throws {
        // (b, q, h, d) layouts: batch labels b,h are not leading in the inputs.
        let y = try einsum("bqhd,bkhd->bhqk", [ramp([1, 2, 2, 2]), ramp([1, 3, 2, 2])])
        expectClose(y, [1, 5, 9, 5, 41, 77, 13, 33, 53, 33, 85, 137], shape: [1, 2, 2, 3])
    }

    @Test func outerProduct() throws {
        let y = try einsum("i,j->ij", [Tensor([1, 2, 3] as [Float]), Tensor([4, 5] as [Float])])
        expectClose(y, [4, 5, 8, 10, 12, 15], shape: [3, 2])
    }

    @Test func implicitOutputIsSortedSingleLabels() throws {
        expectClose(try einsum("ij,jk", [ramp([2, 3]), ramp([3, 2])]), [10, 13, 28, 40], shape: [2, 2])
        // With spaces, which the spec allows.
        expectClose(try einsum(" ij , jk ", [ramp([2, 3]), ramp([3, 2])]), [10, 13, 28, 40], shape: [2, 2])
    }

    @Test func diagonalTraceAndTranspose() throws {
        expectClose(try einsum("ii->i", [ramp([3, 3])]), [0, 4, 8], shape: [3])
        expectClose(try einsum("ii", [ramp([3, 3])]), [12], shape: [])
        expectClose(try einsum("ij->ji", [ramp([2, 3])]), [0, 3, 1, 4, 2, 5], shape: [3, 2])
    }

    @Test func ellipsisBroadcastsBatchAxes() throws {
        // [2,1,2,3] × [5,3,2] → [2,5,2,2].
        let y = try einsum("...ij,...jk->...ik", [ramp([2, 1, 2, 3]), ramp([5, 3, 2], offset: -7)])
        #expect(y.shape == [2, 5, 2, 2])
        let values = y.scalars(as: Float.self)
        #expect(Array(values[0..<4]) == [-11, -8, -56, -44])
        #expect(Array(values[(1 * 5 + 2) * 4..<(1 * 5 + 2) * 4 + 4]) == [151, 172, 214, 244])
        #expect(Array(values[(1 * 5 + 4) * 4..<(1 * 5 + 4) * 4 + 4]) == [403, 424, 574, 604])
    }

    @Test func threeOperandsAndLabelsSummedInOneOperand() throws {
        expectClose(try einsum("ij,jk,kl->il", [ramp([2, 3]), ramp([3, 2], offset: -2), ramp([2, 2])]),
                    [14, 25, 32, 52], shape: [2, 2])
        expectClose(try einsum("ij,jk->i", [ramp([2, 3]), ramp([3, 2])]), [23, 68], shape: [2])
    }

    @Test func sizeOneLabelsBroadcast() throws {
        expectClose(try einsum("ij,kj->ik", [ramp([1, 3]), ramp([2, 3])]), [5, 14], shape: [1, 2])
    }

    @Test func gemmPathAgreesWithIntegerLoop() throws {
        // Same contraction through sgemm (float) and the direct loop (int64), on integer values.
        let shapes = ([2, 3, 4, 5], [2, 3, 6, 5])
        let a = ramp(shapes.0, offset: -50), b = ramp(shapes.1, offset: -90)
        let fast = try einsum("bhqd,bhkd->bhqk", [a, b])
        let ai = Tensor(shape: shapes.0, scalars: a.scalars(as: Float.self).map { Int64($0) })
        let bi = Tensor(shape: shapes.1, scalars: b.scalars(as: Float.self).map { Int64($0) })
        let slow = try einsum("bhqd,bhkd->bhqk", [ai, bi])
        #expect(slow.dtype == .int64 && slow.shape == [2, 3, 4, 6])
        #expect(fast.scalars(as: Float.self) == slow.scalars(as: Int64.self).map { Float($0) })
    }

    @Test func float16AndFloat64() throws {
        let y16 = try einsum("i,i->", [Tensor([1, 2, 3].map { Float16($0) }), Tensor([4, 5, 6].map { Float16($0) })])
        #expect(y16.dtype == .float16 && y16.shape == [] && y16.scalars(as: Float16.self) == [32])
        let y64 = try einsum("ij->j", [Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Double])])
        #expect(y64.scalars(as: Double.self) == [4, 6])
    }

    @Test func malformedEquations() throws {
        let two = [ramp([2, 3]), ramp([3, 2])]
        let count = #expect(throws: OpError.self) { try einsum("ij->ij", two) }
        #expect(count?.message.contains("has 1 input terms but 2 inputs") == true)
        let rank = #expect(throws: OpError.self) { try einsum("ijk,jk->i", two) }
        #expect(rank?.message.contains("input 0 has shape [2,3]") == true)
        let size = #expect(throws: OpError.self) { try einsum("ij,ij->ij", two) }
        #expect(size?.message.contains("label 'i' has sizes 2 and 3") == true)
        #expect(throws: OpError.self) { try einsum("i1,jk->ik", two) }
        #expect(throws: OpError.self) { try einsum("ij,jk->iz", two) }
        #expect(throws: OpError.self) { try einsum("ij,jk->ii", two) }
        #expect(throws: OpError.self) { try einsum("ij,jk->ik->i", two) }
        #expect(throws: AttributeError.self) { try runOp("Einsum", two, opset: 12) }
    }
}
