import GraphIR
import Interpreter
import TensorCore
import Testing

/// Gemm over every transA/transB combination and every shape C may take, against numpy.
@Suite struct GemmTests {
    // Logical A (2×3) = [[1,2,3],[4,5,6]], B (3×4) = arange(12) − 5; stored transposed when the
    // flag is set.
    static let a: [Float] = [1, 2, 3, 4, 5, 6]
    static let aT: [Float] = [1, 4, 2, 5, 3, 6]
    static let b: [Float] = (0..<12).map { Float($0 - 5) }
    static let bT: [Float] = [-5, -1, 3, -4, 0, 4, -3, 1, 5, -2, 2, 6]

    /// C's shape and values, with numpy's `0.5·A·B + 2·C`.
    static let cases: [(shape: [Int], values: [Float], expected: [Float])] = [
        ([], [3], [7, 10, 13, 16, 2.5, 10, 17.5, 25]),
        ([4], [1, 2, 3, 4], [3, 8, 13, 18, -1.5, 8, 17.5, 27]),
        ([1, 4], [1, 2, 3, 4], [3, 8, 13, 18, -1.5, 8, 17.5, 27]),
        ([2, 4], [0, 1, 2, 3, 4, 5, 6, 7], [1, 6, 11, 16, 4.5, 14, 23.5, 33]),
        ([2, 1], [10, 20], [21, 24, 27, 30, 36.5, 44, 51.5, 59]),
    ]

    @Test(arguments: [false, true], [false, true])
    func allFlagsAndCShapes(_ transA: Bool, _ transB: Bool) throws {
        let a = transA ? Tensor(shape: [3, 2], scalars: Self.aT) : Tensor(shape: [2, 3], scalars: Self.a)
        let b = transB ? Tensor(shape: [4, 3], scalars: Self.bT) : Tensor(shape: [3, 4], scalars: Self.b)
        let attributes: [String: Attribute] = [
            "transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0), "alpha": .float(0.5), "beta": .float(2),
        ]
        for c in Self.cases {
            let y = try runOp("Gemm", [a, b, Tensor(shape: c.shape, scalars: c.values)], attributes: attributes)[0]
            expectClose(y, c.expected, shape: [2, 4])
        }
        // Without C: 0.5·A·B, A·B = [[2,8,14,20],[-7,8,23,38]].
        let y = try runOp("Gemm", [a, b], attributes: attributes)[0]
        expectClose(y, [1, 4, 7, 10, -3.5, 4, 11.5, 19], shape: [2, 4])
    }

    @Test func defaultsAreOneAndNoTranspose() throws {
        let y = try runOp("Gemm", [Tensor(shape: [2, 3], scalars: Self.a), Tensor(shape: [3, 4], scalars: Self.b),
                                   Tensor([1, 1, 1, 1] as [Float])])[0]
        expectClose(y, [3, 9, 15, 21, -6, 9, 24, 39], shape: [2, 4])
    }

    @Test func otherElementTypes() throws {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Int32])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8] as [Int32])
        let y = try runOp("Gemm", [a, b, Tensor([1, 1] as [Int32])])[0]
        #expect(y.scalars(as: Int32.self) == [20, 23, 44, 51])
        // A fractional alpha has no integer meaning.
        #expect(throws: OpError.self) { try runOp("Gemm", [a, b], attributes: ["alpha": .float(0.5)]) }

        let a64 = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Double])
        let b64 = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8] as [Double])
        let y64 = try runOp("Gemm", [a64, b64], attributes: ["transA": .int(1), "beta": .float(0)])[0]
        // Aᵀ·B = [[1,3],[2,4]]·[[5,6],[7,8]] = [[26,30],[38,44]].
        #expect(y64.scalars(as: Double.self) == [26, 30, 38, 44])

        let a16 = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4].map { BFloat16(Float($0)) })
        let b16 = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8].map { BFloat16(Float($0)) })
        let y16 = try runOp("Gemm", [a16, b16], attributes: ["transB": .int(1)])[0]
        // A·Bᵀ = [[17,23],[39,53]].
        #expect(y16.dtype == .bfloat16 && y16.scalars(as: BFloat16.self).map(\.floatValue) == [17, 23, 39, 53])
    }

    @Test func errors() throws {
        let a = Tensor(shape: [2, 3], scalars: Self.a), b = Tensor(shape: [3, 4], scalars: Self.b)
        let inner = #expect(throws: OpError.self) { try runOp("Gemm", [a, b], attributes: ["transB": .int(1)]) }
        #expect(inner?.message.contains("inner dimensions 3 and 4 differ") == true)
        let c = #expect(throws: OpError.self) { try runOp("Gemm", [a, b, Tensor([1, 2, 3] as [Float])]) }
        #expect(c?.message == "Gemm: C of shape [3] does not broadcast to [2,4]")
        #expect(throws: OpError.self) { try runOp("Gemm", [Tensor([1, 2, 3] as [Float]), b]) }
    }
}
