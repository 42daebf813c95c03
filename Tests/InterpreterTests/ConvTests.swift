import GraphIR
import Interpreter
import TensorCore
import Testing

/// Conv and ConvTranspose on hand-computed cases.
@Suite("Conv and ConvTranspose")
struct ConvTests {
    static let iota3x3 = Tensor(shape: [1, 1, 3, 3], scalars: (0..<9).map(Float.init))

    @Test("2×2 ones kernel sums each window")
    func windowSums() throws {
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [Float](repeating: 1, count: 4))
        let y = try runOp("Conv", [Self.iota3x3, w])[0]
        expectClose(y, [8, 12, 20, 24], shape: [1, 1, 2, 2])
    }

    @Test("3×3 kernel with pads 1 and stride 2 reads the corners' windows")
    func padsAndStrides() throws {
        let w = Tensor(shape: [1, 1, 3, 3], scalars: [Float](repeating: 1, count: 9))
        let y = try runOp(
            "Conv", [Self.iota3x3, w],
            attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])])[0]
        expectClose(y, [8, 12, 20, 24], shape: [1, 1, 2, 2])
    }

    @Test("auto_pad SAME_UPPER pads at the end, SAME_LOWER at the start")
    func autoPad() throws {
        let x = Tensor(shape: [1, 1, 4], scalars: [1, 2, 3, 4] as [Float])
        let w = Tensor(shape: [1, 1, 2], scalars: [1, 10] as [Float])
        let upper = try runOp("Conv", [x, w], attributes: ["auto_pad": .string("SAME_UPPER")])[0]
        expectClose(upper, [21, 32, 43, 4], shape: [1, 1, 4])
        let lower = try runOp("Conv", [x, w], attributes: ["auto_pad": .string("SAME_LOWER")])[0]
        expectClose(lower, [10, 21, 32, 43], shape: [1, 1, 4])
        let valid = try runOp("Conv", [x, w], attributes: ["auto_pad": .string("VALID")])[0]
        expectClose(valid, [21, 32, 43], shape: [1, 1, 3])
    }

    @Test("dilations spread the taps")
    func dilations() throws {
        let x = Tensor(shape: [1, 1, 5], scalars: [1, 2, 3, 4, 5] as [Float])
        let w = Tensor(shape: [1, 1, 2], scalars: [1, 1] as [Float])
        let y = try runOp("Conv", [x, w], attributes: ["dilations": .ints([2])])[0]
        expectClose(y, [4, 6, 8], shape: [1, 1, 3])
    }

    @Test("group = channels is a depthwise convolution; B adds per output channel")
    func depthwiseWithBias() throws {
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4] as [Float])
        let w = Tensor(shape: [2, 1, 1, 1], scalars: [2, -1] as [Float])
        let b = Tensor([0.5, 1] as [Float])
        let y = try runOp("Conv", [x, w, b], attributes: ["group": .int(2)])[0]
        expectClose(y, [2.5, 4.5, -2, -3], shape: [1, 2, 1, 2])
    }

    @Test("float16 and float64 inputs compute through float32 and keep their dtype")
    func otherFloatTypes() throws {
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [Float](repeating: 1, count: 4))
        for dtype in [DType.float16, .float64] {
            let y = try runOp("Conv", [Self.iota3x3.cast(to: dtype), w.cast(to: dtype)])[0]
            #expect(y.dtype == dtype)
            #expect(try y.doubleValues() == [8, 12, 20, 24])
        }
    }

    @Test("shape errors name the shapes and attributes")
    func errors() throws {
        let x = Tensor(shape: [1, 2, 3, 3], scalars: [Float](repeating: 1, count: 18))
        let w = Tensor(shape: [1, 3, 2, 2], scalars: [Float](repeating: 1, count: 12))
        #expect { try runOp("Conv", [x, w]) } throws: { "\($0)".contains("W [1,3,2,2]") }
        let w2 = Tensor(shape: [1, 2, 2, 2], scalars: [Float](repeating: 1, count: 8))
        #expect { try runOp("Conv", [x, w2], attributes: ["kernel_shape": .ints([3, 3])]) } throws: {
            "\($0)".contains("kernel_shape [3, 3]")
        }
        #expect { try runOp("Conv", [x, w2, Tensor([1, 2] as [Float])]) } throws: {
            "\($0)".contains("B must have shape [1]")
        }
        #expect { try runOp("Conv", [x, w2], attributes: ["auto_pad": .string("SAME")]) } throws: {
            "\($0)".contains("auto_pad 'SAME'")
        }
        #expect { try runOp("Conv", [x, w2], attributes: ["strides": .ints([0, 1])]) } throws: {
            "\($0)".contains("'strides' value 0")
        }
        #expect { try runOp("Conv", [x, w2], attributes: ["pads": .ints([9, 9])]) } throws: {
            "\($0)".contains("'pads' has 2 values")
        }
    }

    // MARK: - ConvTranspose

    static let x12 = Tensor(shape: [1, 1, 2], scalars: [1, 2] as [Float])
    static let w3 = Tensor(shape: [1, 1, 3], scalars: [1, 10, 100] as [Float])

    @Test("each input element scatters the kernel (stride 1 and 2)")
    func transposeScatter() throws {
        expectClose(
            try runOp("ConvTranspose", [Self.x12, Self.w3])[0], [1, 12, 120, 200], shape: [1, 1, 4])
        expectClose(
            try runOp("ConvTranspose", [Self.x12, Self.w3], attributes: ["strides": .ints([2])])[0],
            [1, 10, 102, 20, 200], shape: [1, 1, 5])
    }

    @Test("pads crop, output_padding and output_shape extend the end")
    func transposeShapes() throws {
        let stride: [String: Attribute] = ["strides": .ints([2])]
        expectClose(
            try runOp(
                "ConvTranspose", [Self.x12, Self.w3],
                attributes: stride.merging(["pads": .ints([1, 1])]) { $1 })[0],
            [10, 102, 20], shape: [1, 1, 3])
        expectClose(
            try runOp(
                "ConvTranspose", [Self.x12, Self.w3],
                attributes: stride.merging(["output_padding": .ints([1])]) { $1 })[0],
            [1, 10, 102, 20, 200, 0], shape: [1, 1, 6])
        expectClose(
            try runOp(
                "ConvTranspose", [Self.x12, Self.w3],
                attributes: stride.merging(["output_shape": .ints([6])]) { $1 })[0],
            [1, 10, 102, 20, 200, 0], shape: [1, 1, 6])
    }

    @Test(
        "auto_pad SAME gives input·stride outputs, the odd unit cropped at the end (UPPER) or start (LOWER)")
    func transposeAutoPad() throws {
        let upper = try runOp(
            "ConvTranspose", [Self.x12, Self.w3],
            attributes: ["strides": .ints([2]), "auto_pad": .string("SAME_UPPER")])[0]
        expectClose(upper, [1, 10, 102, 20], shape: [1, 1, 4])
        let lower = try runOp(
            "ConvTranspose", [Self.x12, Self.w3],
            attributes: ["strides": .ints([2]), "auto_pad": .string("SAME_LOWER")])[0]
        expectClose(lower, [10, 102, 20, 200], shape: [1, 1, 4])
    }

    @Test("groups and bias")
    func transposeGroups() throws {
        let x = Tensor(shape: [1, 2, 1], scalars: [1, 2] as [Float])
        let w = Tensor(shape: [2, 1, 1], scalars: [3, 5] as [Float])
        let y = try runOp(
            "ConvTranspose", [x, w, Tensor([0.5, -1] as [Float])], attributes: ["group": .int(2)])[0]
        expectClose(y, [3.5, 9], shape: [1, 2, 1])
    }

    @Test("ConvTranspose errors name the shapes")
    func transposeErrors() throws {
        let w = Tensor(shape: [2, 1, 3], scalars: [Float](repeating: 1, count: 6))
        #expect { try runOp("ConvTranspose", [Self.x12, w]) } throws: { "\($0)".contains("C = 1") }
        #expect {
            try runOp("ConvTranspose", [Self.x12, Self.w3], attributes: ["output_shape": .ints([1, 2])])
        } throws: {
            "\($0)".contains("output_shape [1, 2]")
        }
    }

    @Test(
        "Conv and ConvTranspose refuse bad operands with errors naming the op",
        arguments: ["Conv", "ConvTranspose"])
    func sharedErrors(op: String) throws {
        let x = Tensor(shape: [1, 1, 3], scalars: [1, 2, 3] as [Float])
        let w = Tensor(shape: [1, 1, 2], scalars: [1, 1] as [Float])
        let flat = Tensor(shape: [1, 3], scalars: [1, 2, 3] as [Float])
        ShapeTestData.expectOpError("\(op): X must be (N, C, D1…)", "X [1,3], W [1,1,2]") {
            _ = try runOp(op, [flat, w])
        }
        ShapeTestData.expectOpError("\(op): group must be in 1...1048576, got 0") {
            _ = try runOp(op, [x, w], attributes: ["group": .int(0)])
        }
        ShapeTestData.expectOpError("\(op): B must have shape [1], got [2]") {
            _ = try runOp(op, [x, w, Tensor([1, 2] as [Float])])
        }
        let ints = Tensor(shape: [1, 1, 3], scalars: [1, 2, 3] as [Int32])
        ShapeTestData.expectOpError("\(op): X must be a float tensor") { _ = try runOp(op, [ints, w]) }
        ShapeTestData.expectOpError("\(op): B must be a float tensor") {
            _ = try runOp(op, [x, w, Tensor([1] as [Int32])])
        }
    }

    @Test("an empty batch gives an empty Y of the output shape and X's dtype")
    func emptyBatch() throws {
        let x = Tensor(shape: [0, 1, 3], scalars: [Float16]())
        let w = Tensor(shape: [1, 1, 2], scalars: [1, 1] as [Float16])
        let conv = try runOp("Conv", [x, w])[0]
        #expect(conv.shape == [0, 1, 2] && conv.dtype == .float16)
        let transpose = try runOp("ConvTranspose", [x, w])[0]
        #expect(transpose.shape == [0, 1, 4] && transpose.dtype == .float16)
    }

    // MARK: - Quantized and deformable

    @Test("ConvInteger subtracts the zero points and accumulates into int32")
    func convInteger() throws {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4] as [UInt8])
        let w = Tensor(shape: [2, 1, 1, 1], scalars: [2, 255] as [UInt8])
        let y = try runOp(
            "ConvInteger", [x, w, Tensor(scalar: UInt8(1)), Tensor([0, 255] as [UInt8])], opset: 10)[0]
        #expect(y.dtype == .int32)
        #expect(try y.intValues() == [0, 2, 4, 6, 0, 0, 0, 0])
        // 255 · 255 · 300 taps overflows float32's exact range, not float64's.
        let big = Tensor(shape: [1, 300, 1, 1], scalars: [UInt8](repeating: 255, count: 300))
        let ones = Tensor(shape: [1, 300, 1, 1], scalars: [UInt8](repeating: 255, count: 300))
        #expect(try runOp("ConvInteger", [big, ones], opset: 10)[0].intValues() == [255 * 255 * 300])
    }

    @Test("QLinearConv requantizes with rounding half to even and saturation")
    func qlinearConv() throws {
        let x = Tensor(shape: [1, 1, 1, 3], scalars: [10, 11, 200] as [UInt8])
        let w = Tensor(shape: [1, 1, 1, 1], scalars: [1] as [Int8])
        // sum · (1 · 1 / 2) + 0: 5, 5.5 → 6 (even), 100; y_zero_point 200 saturates the last.
        let inputs: [Tensor?] = [
            x, Tensor(scalar: Float(1)), Tensor(scalar: UInt8(0)), w, Tensor(scalar: Float(1)),
            Tensor(scalar: Int8(0)), Tensor(scalar: Float(2)), Tensor(scalar: UInt8(200)),
        ]
        let y = try runOp("QLinearConv", inputs, opset: 10)[0]
        #expect(y.dtype == .uint8)
        #expect(try y.intValues() == [205, 206, 255])
    }

    @Test("DeformConv with zero offsets is Conv; a whole-pixel offset shifts the taps")
    func deformConv() throws {
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (0..<9).map(Float.init))
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4] as [Float])
        let zero = Tensor(shape: [1, 8, 2, 2], scalars: [Float](repeating: 0, count: 32))
        let conv = try runOp("Conv", [x, w])[0].scalars(as: Float.self)
        let deform = try runOp("DeformConv", [x, w, zero], opset: 19)[0]
        expectClose(deform, conv, shape: [1, 1, 2, 2])
        // dx = +1 on every tap: each window moves one column right (the last column reads zeros).
        var shift = [Float](repeating: 0, count: 32)
        for t in 0..<4 { for o in 0..<4 { shift[(2 * t + 1) * 4 + o] = 1 } }
        let shifted = try runOp(
            "DeformConv", [x, w, Tensor(shape: [1, 8, 2, 2], scalars: shift)], opset: 19)[0]
        // Window at (0, 1) now covers columns 2 and 3 (outside): 2·1 + 0·2 + 5·3 + 0·4.
        #expect(shifted.scalars(as: Float.self)[0] == conv[1])
        #expect(shifted.scalars(as: Float.self)[1] == 2 * 1 + 5 * 3)
        let mask = Tensor(shape: [1, 4, 2, 2], scalars: [Float](repeating: 0.5, count: 16))
        let masked = try runOp("DeformConv", [x, w, zero, nil, mask], opset: 19)[0]
        expectClose(masked, conv.map { $0 / 2 }, shape: [1, 1, 2, 2])
    }
}
