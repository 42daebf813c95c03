import GraphIR
import Interpreter
import TensorCore
import Testing

/// MaxPool, AveragePool, LpPool, the global pools and MaxUnpool on hand-computed cases.
@Suite("Pooling ops")
struct PoolTests {
    static let iota4x4 = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
    static let k2s2: [String: Attribute] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]

    @Test("MaxPool 2×2 stride 2 with Indices, row- and column-major")
    func maxPoolIndices() throws {
        let out = try runOp("MaxPool", [Self.iota4x4], attributes: Self.k2s2, outputs: 2)
        expectClose(out[0], [5, 7, 13, 15], shape: [1, 1, 2, 2])
        #expect(out[1].dtype == .int64)
        #expect(try out[1].intValues() == [5, 7, 13, 15])
        let columnMajor = try runOp(
            "MaxPool", [Self.iota4x4],
            attributes: Self.k2s2.merging(["storage_order": .int(1)]) { $1 }, outputs: 2)
        // (row 1, col 3) is column-major 3·4 + 1 = 13.
        #expect(try columnMajor[1].intValues() == [5, 13, 7, 15])
    }

    @Test("MaxPool Indices count from the start of X, across images and channels")
    func maxPoolIndicesAcrossPlanes() throws {
        let x = Tensor(shape: [2, 1, 1, 2], scalars: [1, 0, 0, 1] as [Float])
        let out = try runOp("MaxPool", [x], attributes: ["kernel_shape": .ints([1, 2])], outputs: 2)
        #expect(try out[1].intValues() == [0, 3])
    }

    @Test("MaxPool ceil_mode keeps the partial last window; padding never wins")
    func maxPoolCeilAndPads() throws {
        let x = Tensor(shape: [1, 1, 5], scalars: [1, 2, 3, 4, 5] as [Float])
        let floor = try runOp(
            "MaxPool", [x], attributes: ["kernel_shape": .ints([2]), "strides": .ints([2])])[0]
        expectClose(floor, [2, 4], shape: [1, 1, 2])
        let ceil = try runOp(
            "MaxPool", [x],
            attributes: [
                "kernel_shape": .ints([2]), "strides": .ints([2]),
                "ceil_mode": .int(1),
            ])[0]
        expectClose(ceil, [2, 4, 5], shape: [1, 1, 3])
        let negative = Tensor(shape: [1, 1, 3], scalars: [-1, -2, -3] as [Float])
        let padded = try runOp(
            "MaxPool", [negative], attributes: ["kernel_shape": .ints([2]), "pads": .ints([1, 1])])[0]
        expectClose(padded, [-1, -1, -2, -3], shape: [1, 1, 4])
    }

    @Test("MaxPool on integers keeps the dtype", arguments: [DType.int8, .uint8, .int32, .int64])
    func maxPoolIntegers(dtype: DType) throws {
        let x = try Tensor(shape: [1, 1, 4], scalars: [3, 1, 2, 7] as [Float]).cast(to: dtype)
        let y = try runOp("MaxPool", [x], attributes: ["kernel_shape": .ints([2]), "strides": .ints([2])])[0]
        #expect(y.dtype == dtype)
        #expect(try y.intValues() == [3, 7])
    }

    @Test("AveragePool divides by the taps inside, or with count_include_pad by the padded window")
    func averagePoolPadding() throws {
        let x = Tensor(shape: [1, 1, 3], scalars: [1, 2, 3] as [Float])
        let attributes: [String: Attribute] = ["kernel_shape": .ints([2]), "pads": .ints([1, 1])]
        expectClose(
            try runOp("AveragePool", [x], attributes: attributes)[0], [1, 1.5, 2.5, 3], shape: [1, 1, 4])
        let including = attributes.merging(["count_include_pad": .int(1)]) { $1 }
        expectClose(
            try runOp("AveragePool", [x], attributes: including)[0], [0.5, 1.5, 2.5, 1.5], shape: [1, 1, 4])
    }

    @Test("AveragePool dilations (opset 19)")
    func averagePoolDilations() throws {
        let x = Tensor(shape: [1, 1, 5], scalars: [1, 2, 3, 4, 5] as [Float])
        let y = try runOp(
            "AveragePool", [x], attributes: ["kernel_shape": .ints([2]), "dilations": .ints([2])], opset: 19)[
                0]
        expectClose(y, [2, 3, 4], shape: [1, 1, 3])
    }

    @Test("LpPool: p-norm of each window, INT p (opset 2+) or FLOAT p (opset 1)")
    func lpPool() throws {
        let x = Tensor(shape: [1, 1, 4], scalars: [3, 4, -6, 8] as [Float])
        let attributes: [String: Attribute] = ["kernel_shape": .ints([2]), "strides": .ints([2])]
        expectClose(try runOp("LpPool", [x], attributes: attributes)[0], [5, 10], shape: [1, 1, 2])
        expectClose(
            try runOp("LpPool", [x], attributes: attributes.merging(["p": .int(1)]) { $1 })[0], [7, 14],
            shape: [1, 1, 2])
        expectClose(
            try runOp("LpPool", [x], attributes: attributes.merging(["p": .float(1)]) { $1 }, opset: 1)[0],
            [7, 14], shape: [1, 1, 2])
    }

    @Test("global pools reduce every spatial axis to 1")
    func globalPools() throws {
        let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, -3, 0, 0, 4] as [Float])
        expectClose(try runOp("GlobalAveragePool", [x])[0], [2.5, 0.25], shape: [1, 2, 1, 1])
        expectClose(try runOp("GlobalMaxPool", [x])[0], [4, 4], shape: [1, 2, 1, 1])
        expectClose(try runOp("GlobalLpPool", [x])[0], [(30 as Float).squareRoot(), 5], shape: [1, 2, 1, 1])
    }

    @Test("MaxUnpool scatters to the Indices, optionally into a larger output_shape")
    func maxUnpool() throws {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [5, 6, 7, 8] as [Float])
        let indices = Tensor(shape: [1, 1, 2, 2], scalars: [5, 7, 13, 15] as [Int64])
        let y = try runOp("MaxUnpool", [x, indices], attributes: Self.k2s2)[0]
        expectClose(y, [0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8], shape: [1, 1, 4, 4])
        let larger = try runOp(
            "MaxUnpool", [x, indices, Tensor([1, 1, 5, 5] as [Int64])], attributes: Self.k2s2)[0]
        #expect(larger.shape == [1, 1, 5, 5])
        #expect(larger.scalars(as: Float.self)[6] == 5)  // (1, 1) of the 4×4 block
        #expect {
            try runOp(
                "MaxUnpool", [x, Tensor(shape: [1, 1, 2, 2], scalars: [5, 7, 13, 16] as [Int64])],
                attributes: Self.k2s2)
        } throws: { "\($0)".contains("index 16") }
    }

    @Test("pool errors name the problem")
    func errors() throws {
        #expect { try runOp("MaxPool", [Self.iota4x4]) } throws: { "\($0)".contains("kernel_shape") }
        #expect { try runOp("MaxPool", [Self.iota4x4], attributes: ["kernel_shape": .ints([2])]) } throws: {
            "\($0)".contains("kernel_shape [2] has 1 values, expected 2")
        }
        #expect {
            try runOp("AveragePool", [Self.iota4x4], attributes: ["kernel_shape": .ints([9, 9])])
        } throws: {
            "\($0)".contains("larger than the padded input")
        }
        #expect {
            try runOp(
                "MaxPool", [Self.iota4x4], attributes: Self.k2s2.merging(["storage_order": .int(2)]) { $1 })
        } throws: { "\($0)".contains("storage_order") }
    }
}
