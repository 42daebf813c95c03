import GraphIR
import TensorCore

/// RoiAlign: pools each region of interest into a fixed (output_height, output_width) grid by
/// averaging (or taking the max of) bilinear samples, as in Mask R-CNN.
/// https://onnx.ai/onnx/operators/onnx__RoiAlign.html
///
/// X is (N, C, H, W), rois is (R, 4) as (x1, y1, x2, y2) in input pixels before
/// spatial_scale, batch_indices is (R); Y is (R, C, output_height, output_width). Max mode
/// takes the max over samples of the largest weighted corner, as onnxruntime and the ONNX
/// reference do. Before opset 16 the coordinates have no half-pixel shift.
struct RoiAlignOp: Operator {
    /// More sampling points per bin than this (or 64 times this in all) are refused: they come
    /// from ROI sizes in the data.
    static let maxSamplesPerBin = 1 << 20

    let average: Bool
    let halfPixel: Bool
    let outputHeight: Int, outputWidth: Int
    let samplingRatio: Int
    let spatialScale: Double

    init(_ context: OpContext) throws {
        let node = context.node
        let mode = try node.string("mode", default: "avg")
        guard mode == "avg" || mode == "max" else {
            throw OpError("RoiAlign: mode '\(mode)' is not avg or max")
        }
        average = mode == "avg"
        let transform = try node.string(
            "coordinate_transformation_mode",
            default: context.opset >= 16 ? "half_pixel" : "output_half_pixel")
        guard transform == "half_pixel" || transform == "output_half_pixel" else {
            throw OpError(
                "RoiAlign: coordinate_transformation_mode '\(transform)' is not half_pixel or output_half_pixel"
            )
        }
        halfPixel = transform == "half_pixel"
        outputHeight = try node.int("output_height", default: 1)
        outputWidth = try node.int("output_width", default: 1)
        samplingRatio = try node.int("sampling_ratio", default: 0)
        spatialScale = Double(try node.float("spatial_scale", default: 1))
        let limit = WindowAttributes.maxAttributeValue
        guard (1...limit).contains(outputHeight), (1...limit).contains(outputWidth),
            (0...limit).contains(samplingRatio)
        else {
            throw OpError(
                "RoiAlign: output_height \(outputHeight) and output_width \(outputWidth) must be in 1...\(limit), sampling_ratio \(samplingRatio) in 0...\(limit)"
            )
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let rois = try inputs.required(1)
        let batchIndices = try ShapeSupport.ints(try inputs.required(2), "RoiAlign batch_indices")
        guard x.rank == 4, rois.rank == 2, rois.shape[1] == 4, rois.shape[0] == batchIndices.count else {
            throw OpError(
                "RoiAlign: X must be (N, C, H, W), rois (R, 4) and batch_indices (R); got X \(MathSupport.text(x.shape)), rois \(MathSupport.text(rois.shape)), batch_indices of \(batchIndices.count)"
            )
        }
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        if let bad = batchIndices.first(where: { !(0..<batch).contains($0) }) {
            throw OpError("RoiAlign: batch index \(bad) is outside 0..<\(batch)")
        }
        let boxes = try NNSupport.floats(rois, "RoiAlign", "rois").scalars(as: Float.self).map(Double.init)
        guard boxes.allSatisfy(\.isFinite) else {
            throw OpError("RoiAlign: rois hold a non-finite coordinate")
        }
        let xf = try NNSupport.floats(x, "RoiAlign", "X")
        let (pooledH, pooledW) = (outputHeight, outputWidth)
        var y = try ShapeSupport.allocate(.float32, [batchIndices.count, channels, pooledH, pooledW])
        let planeSize = height * width
        for r in 0..<batchIndices.count {
            let offset = halfPixel ? 0.5 : 0
            let box = boxes[(4 * r)..<(4 * r + 4)].map { $0 * spatialScale - offset }
            var (roiW, roiH) = (box[2] - box[0], box[3] - box[1])
            if !halfPixel {
                // Malformed boxes count as 1×1.
                roiW = max(roiW, 1)
                roiH = max(roiH, 1)
            }
            let (binH, binW) = (roiH / Double(pooledH), roiW / Double(pooledW))
            let gridH =
                samplingRatio > 0 ? samplingRatio : Int(min(binH.rounded(.up), Double(Self.maxSamplesPerBin)))
            let gridW =
                samplingRatio > 0 ? samplingRatio : Int(min(binW.rounded(.up), Double(Self.maxSamplesPerBin)))
            guard gridH.multipliedReportingOverflow(by: gridW).partialValue <= Self.maxSamplesPerBin else {
                throw OpError(
                    "RoiAlign: roi \(r) needs \(gridH)×\(gridW) samples per bin, more than \(Self.maxSamplesPerBin)"
                )
            }
            let bins = pooledH * pooledW  // ≤ 2⁴⁰: both are attributes checked at plan time
            let (sampleCount, overflow) = bins.multipliedReportingOverflow(by: gridH * gridW)
            guard !overflow, sampleCount <= Self.maxSamplesPerBin << 6 else {
                throw OpError(
                    "RoiAlign: roi \(r) needs \(gridH)×\(gridW) samples in each of \(bins) bins, more than \(Self.maxSamplesPerBin << 6) in all"
                )
            }
            let count = Double(max(gridH * gridW, 1))
            // Bilinear samples of every bin, shared by all channels: 4 positions and weights each.
            var samples: [(positions: [Int], weights: [Double])] = []
            for ph in 0..<pooledH {
                for pw in 0..<pooledW {
                    for iy in 0..<max(gridH, 0) {
                        let sy = box[1] + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH)
                        for ix in 0..<max(gridW, 0) {
                            let sx = box[0] + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW)
                            samples.append(bilinear(sy, sx, height, width))
                        }
                    }
                }
            }
            let perBin = max(gridH, 0) * max(gridW, 0)
            let planeBase = batchIndices[r] * channels * planeSize
            xf.withUnsafeBufferPointer(of: Float.self) { px in
                y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                    for c in 0..<channels {
                        let plane = planeBase + c * planeSize
                        for bin in 0..<(pooledH * pooledW) {
                            var value = 0.0
                            var first = true
                            for s in samples[(bin * perBin)..<((bin + 1) * perBin)] {
                                if average {
                                    for k in 0..<4 {
                                        value += s.weights[k] * Double(px[plane + s.positions[k]])
                                    }
                                } else {
                                    let corner =
                                        (0..<4).map { s.weights[$0] * Double(px[plane + s.positions[$0]]) }
                                        .max() ?? 0
                                    value = first ? corner : max(value, corner)
                                    first = false
                                }
                            }
                            py[((r * channels + c) * pooledH * pooledW) + bin] = Float(
                                average ? value / count : value)
                        }
                    }
                }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }

    /// The four neighbours of (y, x) in an (height, width) plane and their bilinear weights;
    /// points more than one pixel outside get weight 0.
    private func bilinear(_ sy: Double, _ sx: Double, _ height: Int, _ width: Int) -> (
        positions: [Int], weights: [Double]
    ) {
        if sy < -1 || sy > Double(height) || sx < -1 || sx > Double(width) || height == 0 || width == 0 {
            return ([0, 0, 0, 0], [0, 0, 0, 0])
        }
        var y = max(sy, 0)
        var x = max(sx, 0)
        var (yLow, xLow) = (Int(y), Int(x))
        let yHigh: Int
        let xHigh: Int
        if yLow >= height - 1 {
            (yLow, yHigh, y) = (height - 1, height - 1, Double(height - 1))
        } else {
            yHigh = yLow + 1
        }
        if xLow >= width - 1 {
            (xLow, xHigh, x) = (width - 1, width - 1, Double(width - 1))
        } else {
            xHigh = xLow + 1
        }
        let (ly, lx) = (y - Double(yLow), x - Double(xLow))
        let (hy, hx) = (1 - ly, 1 - lx)
        return (
            [yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh],
            [hy * hx, hy * lx, ly * hx, ly * lx]
        )
    }
}
