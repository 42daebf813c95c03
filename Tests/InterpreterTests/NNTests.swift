import GraphIR
import Interpreter
import TensorCore
import Testing

/// LRN, GridSample, AffineGrid, RoiAlign, Col2Im and CenterCropPad on hand-computed cases.
@Suite("Image ops")
struct NNTests {
    static func t(_ shape: [Int], _ values: [Float]) -> Tensor { Tensor(shape: shape, scalars: values) }

    @Test("LRN sums squares over floor((size−1)/2) channels before and ceil((size−1)/2) after")
    func lrn() throws {
        let x = Self.t([1, 3, 1, 1], [1, 2, 3])
        // alpha / size = 1, beta = 1, bias = 1: y = x / (1 + Σ x²).
        let odd = try runOp(
            "LRN", [x],
            attributes: ["size": .int(3), "alpha": .float(3), "beta": .float(1), "bias": .float(1)])[0]
        expectClose(odd, [1.0 / 6, 2.0 / 15, 3.0 / 14], shape: [1, 3, 1, 1])
        let even = try runOp(
            "LRN", [x],
            attributes: ["size": .int(2), "alpha": .float(2), "beta": .float(1), "bias": .float(1)])[0]
        expectClose(even, [1.0 / 6, 2.0 / 14, 3.0 / 10], shape: [1, 3, 1, 1])
        #expect { try runOp("LRN", [x]) } throws: { "\($0)".contains("size") }
    }

    static let square = t([1, 1, 2, 2], [1, 2, 3, 4])

    @Test("GridSample bilinear with align_corners: corners and center")
    func gridSampleLinear() throws {
        let grid = Self.t([1, 1, 3, 2], [-1, -1, 1, -1, 0, 0])  // (x, y) pairs
        let y = try runOp("GridSample", [Self.square, grid], attributes: ["align_corners": .int(1)])[0]
        expectClose(y, [1, 2, 2.5], shape: [1, 1, 1, 3])
    }

    @Test("GridSample nearest rounds half to even; padding modes outside the image")
    func gridSampleNearestAndPadding() throws {
        let nearest = try runOp(
            "GridSample", [Self.square, Self.t([1, 1, 1, 2], [0.2, -1])],
            attributes: ["align_corners": .int(1), "mode": .string("nearest")])[0]
        expectClose(nearest, [2], shape: [1, 1, 1, 1])  // x = 0.6 → 1
        let outside = Self.t([1, 1, 1, 2], [-3, 0])
        let zeros = try runOp("GridSample", [Self.square, outside], attributes: ["align_corners": .int(1)])[0]
        expectClose(zeros, [0], shape: [1, 1, 1, 1])
        let border = try runOp(
            "GridSample", [Self.square, outside],
            attributes: ["align_corners": .int(1), "padding_mode": .string("border")])[0]
        expectClose(border, [2], shape: [1, 1, 1, 1])  // clamped to column 0, halfway down: (1 + 3) / 2
        #expect { try runOp("GridSample", [Self.square, Self.t([1, 1, 1, 3], [0, 0, 0])]) } throws: {
            "\($0)".contains("grid (N, O1…Or, r)")
        }
    }

    @Test("AffineGrid with the identity gives the normalized base grid")
    func affineGrid() throws {
        let identity = Self.t([1, 2, 3], [1, 0, 0, 0, 1, 0])
        let size = Tensor([1, 1, 2, 2] as [Int64])
        let centers = try runOp("AffineGrid", [identity, size], opset: 20)[0]
        expectClose(centers, [-0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5, 0.5], shape: [1, 2, 2, 2])
        let corners = try runOp(
            "AffineGrid", [identity, size], attributes: ["align_corners": .int(1)], opset: 20)[0]
        expectClose(corners, [-1, -1, 1, -1, -1, 1, 1, 1], shape: [1, 2, 2, 2])
        let shift = Self.t([1, 2, 3], [1, 0, 0.25, 0, 1, 0])
        expectClose(
            try runOp("AffineGrid", [shift, size], opset: 20)[0],
            [-0.25, -0.5, 0.75, -0.5, -0.25, 0.5, 0.75, 0.5],
            shape: [1, 2, 2, 2])
    }

    @Test("RoiAlign averages bilinear samples of each bin")
    func roiAlign() throws {
        // X[h][w] = w on a 4×4 plane; one roi over all of it, 1×2 bins, one sample per bin.
        let x = Self.t([1, 1, 4, 4], (0..<16).map { Float($0 % 4) })
        let rois = Self.t([1, 4], [0, 0, 4, 4])
        let y = try runOp(
            "RoiAlign", [x, rois, Tensor([0] as [Int64])],
            attributes: ["output_height": .int(1), "output_width": .int(2), "sampling_ratio": .int(1)],
            opset: 16)[0]
        // half_pixel: x from −0.5 to 3.5, bins 2 wide, samples at 0.5 and 2.5.
        expectClose(y, [0.5, 2.5], shape: [1, 1, 1, 2])
        #expect { try runOp("RoiAlign", [x, rois, Tensor([1] as [Int64])], opset: 16) } throws: {
            "\($0)".contains("batch index 1")
        }
        #expect {
            try runOp("RoiAlign", [x, Self.t([1, 4], [0, 0, .nan, 4]), Tensor([0] as [Int64])], opset: 16)
        } throws: {
            "\($0)".contains("non-finite")
        }
    }

    @Test("Col2Im sums the columns back where the windows overlap")
    func col2im() throws {
        // Image 1×3, block 1×2: two windows; tap 0 holds [1, 2], tap 1 holds [10, 20].
        let columns = Self.t([1, 2, 2], [1, 2, 10, 20])
        let y = try runOp(
            "Col2Im", [columns, Tensor([1, 3] as [Int64]), Tensor([1, 2] as [Int64])], opset: 18)[0]
        expectClose(y, [1, 12, 20], shape: [1, 1, 1, 3])
        #expect {
            try runOp("Col2Im", [columns, Tensor([1, 4] as [Int64]), Tensor([1, 2] as [Int64])], opset: 18)
        } throws: {
            "\($0)".contains("(N, C·2, 3)")
        }
    }

    @Test("CenterCropPad keeps the center; an odd difference leaves the extra element at the end")
    func centerCropPad() throws {
        let x = Tensor([1, 2, 3, 4, 5] as [Int64])
        for (length, expected) in [
            (3, [2, 3, 4]), (4, [1, 2, 3, 4]), (7, [0, 1, 2, 3, 4, 5, 0]), (6, [1, 2, 3, 4, 5, 0]),
        ] {
            let y = try runOp("CenterCropPad", [x, Tensor([Int64(length)])], opset: 18)[0]
            #expect(try y.intValues() == expected)
        }
        let image = Tensor(shape: [2, 3, 1], scalars: (0..<6).map(Float.init))
        let y = try runOp(
            "CenterCropPad", [image, Tensor([1, 2] as [Int64])], attributes: ["axes": .ints([0, -1])],
            opset: 18)[0]
        expectClose(y, [0, 0, 1, 0, 2, 0], shape: [1, 3, 2])
    }
}
