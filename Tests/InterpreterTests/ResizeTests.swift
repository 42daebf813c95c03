import GraphIR
import Interpreter
import TensorCore
import Testing

/// Resize and Upsample on hand-computed cases (coordinate formulas worked by hand).
@Suite("Resize and Upsample")
struct ResizeTests {
    static let row13 = Tensor(shape: [1, 1, 1, 2], scalars: [1, 3] as [Float])
    static let noROI = Tensor([] as [Float])

    static func resize(
        _ x: Tensor, scales: [Float]? = nil, sizes: [Int64]? = nil, roi: [Float]? = nil,
        _ attributes: [String: Attribute], opset: Int = 19
    ) throws -> Tensor {
        let inputs: [Tensor?] = [
            x, roi.map { Tensor($0) } ?? noROI, scales.map { Tensor($0) } ?? Tensor([] as [Float]),
            sizes.map { Tensor($0) },
        ]
        return try runOp("Resize", inputs, attributes: attributes, opset: opset)[0]
    }

    @Test("nearest ×2 repeats each element (asymmetric)")
    func nearestUpsample() throws {
        let y = try Self.resize(
            Self.row13, scales: [1, 1, 1, 2],
            ["mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric")])
        expectClose(y, [1, 1, 3, 3], shape: [1, 1, 1, 4])
    }

    @Test("linear half_pixel ×2: sources −0.25, 0.25, 0.75, 1.25 (edges clamp)")
    func linearHalfPixel() throws {
        let y = try Self.resize(Self.row13, scales: [1, 1, 1, 2], ["mode": .string("linear")])
        expectClose(y, [1, 1.5, 2.5, 3], shape: [1, 1, 1, 4])
    }

    @Test("linear align_corners to 3: sources 0, 0.5, 1")
    func linearAlignCorners() throws {
        let y = try Self.resize(
            Self.row13, sizes: [1, 1, 1, 3],
            ["mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners")])
        expectClose(y, [1, 2, 3], shape: [1, 1, 1, 3])
    }

    @Test(
        "cubic at integral source positions returns the input (the A = −0.75 kernel is 1 at 0, 0 at ±1 and ±2)"
    )
    func cubic() throws {
        let x = Tensor(shape: [1, 1, 1, 4], scalars: [1, -2, 5, 3] as [Float])
        // ×2 asymmetric: output o samples o / 2.
        let y = try Self.resize(
            x, scales: [1, 1, 1, 2],
            [
                "mode": .string("cubic"),
                "coordinate_transformation_mode": .string("asymmetric"),
            ])
        let values = y.scalars(as: Float.self)
        #expect([values[0], values[2], values[4], values[6]] == [1, -2, 5, 3])
        // Source 1.5 reads taps 0…3 at distances 1.5, 0.5, 0.5, 1.5: weights −0.09375, 0.59375 (twice), −0.09375.
        let expected: Float = -0.09375 * 1 + 0.59375 * -2 + 0.59375 * 5 - 0.09375 * 3
        #expect(abs(values[3] - expected) < 1e-5)
    }

    @Test("nearest_mode decides ties at .5")
    func nearestModes() throws {
        // ×2 half_pixel on [1, 3]: sources −0.25, 0.25, 0.75, 1.25.
        let floor = try Self.resize(
            Self.row13, scales: [1, 1, 1, 2], ["mode": .string("nearest"), "nearest_mode": .string("floor")])
        expectClose(floor, [1, 1, 1, 3], shape: [1, 1, 1, 4])
        let ceil = try Self.resize(
            Self.row13, scales: [1, 1, 1, 2], ["mode": .string("nearest"), "nearest_mode": .string("ceil")])
        expectClose(ceil, [1, 3, 3, 3], shape: [1, 1, 1, 4])
    }

    @Test("keep_aspect_ratio_policy not_larger scales every listed axis by the smallest ratio")
    func keepAspectRatio() throws {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: (0..<8).map(Float.init))
        let y = try Self.resize(
            x, sizes: [2, 2],
            [
                "mode": .string("nearest"), "axes": .ints([2, 3]),
                "keep_aspect_ratio_policy": .string("not_larger"),
            ])
        #expect(y.shape == [1, 1, 1, 2])
    }

    @Test("axes resize only the listed axes")
    func axes() throws {
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
        let y = try Self.resize(
            x, scales: [2],
            [
                "mode": .string("nearest"), "axes": .ints([-1]),
                "coordinate_transformation_mode": .string("asymmetric"),
            ])
        expectClose(y, [1, 1, 2, 2, 3, 3, 4, 4], shape: [2, 4])
    }

    @Test("tf_crop_and_resize samples the region and writes extrapolation_value outside the input")
    func cropAndResize() throws {
        let x = Tensor(shape: [1, 3], scalars: [1, 2, 3] as [Float])
        // roi [0, 1.5] over 3 elements with 4 outputs: sources 0, 1, 2, 3 (outside).
        let y = try Self.resize(
            x, sizes: [4], roi: [0, 1.5],
            [
                "mode": .string("linear"), "axes": .ints([1]),
                "coordinate_transformation_mode": .string("tf_crop_and_resize"),
                "extrapolation_value": .float(-7),
            ])
        expectClose(y, [1, 2, 3, -7], shape: [1, 4])
    }

    @Test("Resize-10 and Upsample use asymmetric coordinates and floor when enlarging")
    func legacy() throws {
        let x = Tensor(shape: [1, 3], scalars: [1, 2, 3] as [Float])
        let resize10 = try runOp(
            "Resize", [x, Tensor([1, 2] as [Float])], attributes: ["mode": .string("nearest")], opset: 10)[0]
        expectClose(resize10, [1, 1, 2, 2, 3, 3], shape: [1, 6])
        let upsample9 = try runOp("Upsample", [x, Tensor([1, 1.5] as [Float])], opset: 9)[0]
        expectClose(upsample9, [1, 1, 2, 3], shape: [1, 4])  // sources 0, 0.67, 1.33, 2
        let upsample7 = try runOp(
            "Upsample", [x], attributes: ["scales": .floats([1, 2]), "mode": .string("linear")], opset: 7)[0]
        expectClose(upsample7, [1, 1.5, 2, 2.5, 3, 3], shape: [1, 6])
        // Shrinking takes the ceiling: ×0.75 of 4 reads sources 0, 1.33, 2.67 → 0, 2, 3.
        let shrink = try runOp(
            "Resize",
            [Tensor(shape: [1, 4], scalars: [1, 2, 3, 4] as [Float]), Tensor([1, 0.75] as [Float])],
            opset: 10)[0]
        expectClose(shrink, [1, 3, 4], shape: [1, 3])
    }

    @Test("integer inputs round the interpolated values")
    func integers() throws {
        let x = try Self.row13.cast(to: .uint8)
        let y = try Self.resize(
            x, sizes: [1, 1, 1, 4],
            [
                "mode": .string("linear"),
                "coordinate_transformation_mode": .string("align_corners"),
            ])
        #expect(y.dtype == .uint8)
        #expect(try y.intValues() == [1, 2, 2, 3])  // 1, 1.67, 2.33, 3
    }

    @Test("errors: scales and sizes together, neither, wrong counts, bad modes")
    func errors() throws {
        #expect { try Self.resize(Self.row13, scales: [1, 1, 1, 2], sizes: [1, 1, 1, 4], [:]) } throws: {
            "\($0)".contains("only one of scales and sizes")
        }
        #expect { try Self.resize(Self.row13, [:]) } throws: {
            "\($0)".contains("one of scales and sizes is required")
        }
        #expect { try Self.resize(Self.row13, scales: [2], [:]) } throws: { "\($0)".contains("must hold 4") }
        #expect { try Self.resize(Self.row13, scales: [1, 1, 1, 2], ["mode": .string("area")]) } throws: {
            "\($0)".contains("mode 'area'")
        }
        #expect { try Self.resize(Self.row13, scales: [1, 1, 1, 1e30], [:]) } throws: {
            "\($0)".contains("too large")
        }
    }
}
