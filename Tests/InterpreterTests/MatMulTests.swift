import Interpreter
import TensorCore
import Testing

/// MatMul shape variants against hand-computed products and closed forms.
@Suite struct MatMulTests {
    /// 0, 1, 2, … as float32 in `shape`.
    private func ramp(_ shape: [Int], offset: Float = 0) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0) + offset })
    }

    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    private let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
    private let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12] as [Float])

    @Test func matrixTimesMatrix() throws {
        expectClose(try runOp("MatMul", [a, b])[0], [58, 64, 139, 154], shape: [2, 2])
    }

    @Test func vectorTimesMatrix() throws {
        // [1,2,3] is a row vector; the row axis is dropped from the result.
        let v = Tensor([1, 2, 3] as [Float])
        expectClose(try runOp("MatMul", [v, b])[0], [58, 64], shape: [2])
    }

    @Test func matrixTimesVector() throws {
        let v = Tensor([1, 1, 1] as [Float])
        expectClose(try runOp("MatMul", [a, v])[0], [6, 15], shape: [2])
    }

    @Test func vectorTimesVector() throws {
        let u = Tensor([1, 2, 3] as [Float]), v = Tensor([4, 5, 6] as [Float])
        expectClose(try runOp("MatMul", [u, v])[0], [32], shape: [])
    }

    @Test func vectorTimesBatch() throws {
        // [3] × [2,3,2]: the vector multiplies each matrix of the batch.
        let batch = ramp([2, 3, 2])
        // Row [1,1,1] sums each column: batch 0 columns (0+2+4, 1+3+5), batch 1 (6+8+10, 7+9+11).
        expectClose(try runOp("MatMul", [Tensor([1, 1, 1] as [Float]), batch])[0], [6, 9, 24, 27], shape: [2, 2])
    }

    @Test func batchDimensionsBroadcast() throws {
        // [2,1,3,4] × [5,4,6] → [2,5,3,6]; A[b,0,i,k] = 12b+4i+k, B[c,k,j] = 24c+6k+j.
        let y = try runOp("MatMul", [ramp([2, 1, 3, 4]), ramp([5, 4, 6])])[0]
        var expected: [Float] = []
        for bb in 0..<2 {
            for c in 0..<5 {
                for i in 0..<3 {
                    for j in 0..<6 {
                        let sum = (0..<4).reduce(0) { $0 + (12 * bb + 4 * i + $1) * (24 * c + 6 * $1 + j) }
                        expected.append(Float(sum))
                    }
                }
            }
        }
        expectClose(y, expected, shape: [2, 5, 3, 6])
        // Spot values from numpy: out[0,0,0,0] = 84, out[1,2,0,3] = 3270, out[1,4,2,5] = 9490.
        let values = y.scalars(as: Float.self)
        #expect(values[0] == 84 && values[((1 * 5 + 2) * 3 + 0) * 6 + 3] == 3270 && values.last == 9490)
    }

    @Test func attentionScores() throws {
        // Q [1,2,3,4] · Kᵀ [1,2,4,3] → [1,2,3,3] (one sgemm per head).
        // Q[h,i,d] = 12h+4i+d, K[h,d,j] = 12h+3d+j.
        let y = try runOp("MatMul", [ramp([1, 2, 3, 4]), ramp([1, 2, 4, 3])])[0]
        var expected: [Float] = []
        for h in 0..<2 {
            for i in 0..<3 {
                for j in 0..<3 {
                    expected.append(Float((0..<4).reduce(0) { $0 + (12 * h + 4 * i + $1) * (12 * h + 3 * $1 + j) }))
                }
            }
        }
        expectClose(y, expected, shape: [1, 2, 3, 3])
    }

    @Test func batchFoldsIntoRowsWhenBIsAMatrix() throws {
        // [2,3,4] × [4,2]: the linear-layer case, one sgemm with 6 rows.
        // A[b,i,k] = 12b+4i+k, B[k,j] = 2k+j.
        let y = try runOp("MatMul", [ramp([2, 3, 4]), ramp([4, 2])])[0]
        var expected: [Float] = []
        for row in 0..<6 {
            for j in 0..<2 { expected.append(Float((0..<4).reduce(0) { $0 + (4 * row + $1) * (2 * $1 + j) })) }
        }
        expectClose(y, expected, shape: [2, 3, 2])
    }

    @Test func emptyInnerDimensionGivesZeros() throws {
        let y = try runOp("MatMul", [Tensor(shape: [2, 0], scalars: [] as [Float]), Tensor(shape: [0, 3], scalars: [] as [Float])])[0]
        expectClose(y, [0, 0, 0, 0, 0, 0], shape: [2, 3])
    }

    @Test func otherElementTypes() throws {
        let a64 = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Double])
        let b64 = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12] as [Double])
        #expect(try runOp("MatMul", [a64, b64])[0].scalars(as: Double.self) == [58, 64, 139, 154])

        let a16 = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6].map { Float16($0) })
        let b16 = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12].map { Float16($0) })
        let y16 = try runOp("MatMul", [a16, b16])[0]
        #expect(y16.dtype == .float16 && y16.scalars(as: Float16.self) == [58, 64, 139, 154])

        let a32 = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Int32])
        let b32 = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12] as [Int32])
        #expect(try runOp("MatMul", [a32, b32])[0].scalars(as: Int32.self) == [58, 64, 139, 154])

        let ai = Tensor(shape: [1, 2], scalars: [-3, 1 << 40] as [Int64])
        let bi = Tensor(shape: [2, 1], scalars: [5, 2] as [Int64])
        #expect(try runOp("MatMul", [ai, bi])[0].scalars(as: Int64.self) == [-15 + (1 << 41)])
    }

    @Test func mismatchedInnerDimensions() throws {
        let error = #expect(throws: OpError.self) {
            try runOp("MatMul", [ramp([2, 8, 64]), ramp([32, 16])])
        }
        #expect(error?.message == "MatMul: inner dimensions 64 and 32 differ (A [2,8,64], B [32,16])")
    }

    @Test func batchDimensionsThatDoNotBroadcast() throws {
        let error = #expect(throws: OpError.self) { try runOp("MatMul", [ramp([2, 3, 4]), ramp([3, 4, 5])]) }
        #expect(error?.message.contains("batch dimensions [2] and [3] do not broadcast") == true)
    }

    @Test func scalarOperandAndMixedTypesAreRejected() throws {
        #expect(throws: OpError.self) { try runOp("MatMul", [Tensor(scalar: Float(2)), ramp([2, 2])]) }
        #expect(throws: OpError.self) {
            try runOp("MatMul", [ramp([2, 2]), Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Double])])
        }
    }
}
