import GraphIR
import Kernels
import TensorCore

/// DeformConv (2-D): a convolution whose kernel taps are displaced by learned offsets and
/// optionally scaled by a mask, sampling X bilinearly (zero outside) at the moved positions.
/// https://onnx.ai/onnx/operators/onnx__DeformConv.html
///
/// X is (N, C, H, W), W is (M, C/group, kH, kW), offset is (N, offset_group·2·kH·kW, oH, oW)
/// holding (dy, dx) per tap, B is (M), mask is (N, offset_group·kH·kW, oH, oW); Y is
/// (N, M, oH, oW). Built as im2col with bilinear sampling plus one sgemm per image and group.
struct DeformConvOp: Operator {
    let window: WindowAttributes
    let group: Int
    let offsetGroup: Int

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "DeformConv")
        group = try context.node.int("group", default: 1)
        offsetGroup = try context.node.int("offset_group", default: 1)
        let limit = WindowAttributes.maxAttributeValue
        guard (1...limit).contains(group), (1...limit).contains(offsetGroup) else {
            throw OpError(
                "DeformConv: group \(group) and offset_group \(offsetGroup) must be in 1...\(limit)")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let w = try inputs.required(1)
        let offset = try inputs.required(2)
        let bias = inputs.optional(3)
        let mask = inputs.optional(4)
        guard x.rank == 4, w.rank == 4, offset.rank == 4 else {
            throw OpError(
                "DeformConv: only 2-D is supported: X (N, C, H, W), W and offset of rank 4; got X \(MathSupport.text(x.shape)), W \(MathSupport.text(w.shape)), offset \(MathSupport.text(offset.shape))"
            )
        }
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outChannels = w.shape[0]
        guard w.shape[1] * group == channels, outChannels % group == 0, channels % offsetGroup == 0 else {
            throw OpError(
                "DeformConv: with group \(group) and offset_group \(offsetGroup), X's \(channels) channels need W (M, \(channels / group), kH, kW) with M divisible by group, and C divisible by offset_group; got W \(MathSupport.text(w.shape))"
            )
        }
        let kernel = try window.kernel(rank: 2, weights: Array(w.shape[2...]))
        let g = try window.forward(input: [height, width], kernel: kernel)
        let taps = g.kernelCount
        let outCount = g.outputCount
        guard offset.shape == [batch, offsetGroup * 2 * taps] + g.output else {
            throw OpError(
                "DeformConv: offset must have shape \(MathSupport.text([batch, offsetGroup * 2 * taps] + g.output)), got \(MathSupport.text(offset.shape))"
            )
        }
        if let mask, mask.shape != [batch, offsetGroup * taps] + g.output {
            throw OpError(
                "DeformConv: mask must have shape \(MathSupport.text([batch, offsetGroup * taps] + g.output)), got \(MathSupport.text(mask.shape))"
            )
        }
        if let bias, bias.rank != 1 || bias.count != outChannels {
            throw OpError(
                "DeformConv: B must have shape [\(outChannels)], got \(MathSupport.text(bias.shape))")
        }
        let (cg, mg) = (channels / group, outChannels / group)
        let rows = cg * taps
        try MathSupport.checkBLAS("DeformConv", [rows, outCount])
        let xv = try NNSupport.floats(x, "DeformConv", "X").scalars(as: Float.self)
        let wf = try NNSupport.floats(w, "DeformConv", "W")
        let ov = try NNSupport.floats(offset, "DeformConv", "offset").scalars(as: Float.self)
        let mv = try mask.map { m throws(OpError) in
            try NNSupport.floats(m, "DeformConv", "mask").scalars(as: Float.self)
        }
        let bf = try bias.map { b throws(OpError) in try NNSupport.floats(b, "DeformConv", "B") }
        var y = try ShapeSupport.allocate(.float32, [batch, outChannels] + g.output)
        guard y.count > 0 else { return [try NNSupport.restore(y, to: x.dtype)] }
        let channelsPerOffsetGroup = channels / offsetGroup
        try NNSupport.withScratch(try ShapeSupport.product([rows, outCount]), "DeformConv") { columns in
            for n in 0..<batch {
                for gi in 0..<group {
                    // columns (cg·taps, outCount): tap t of channel c at each output position.
                    for ci in 0..<cg {
                        let c = gi * cg + ci
                        let og = c / channelsPerOffsetGroup
                        let plane = (n * channels + c) * height * width
                        for t in 0..<taps {
                            let (ky, kx) = (t / kernel[1], t % kernel[1])
                            let offsetRow = ((n * offsetGroup + og) * taps + t) * 2 * outCount
                            let maskRow = ((n * offsetGroup + og) * taps + t) * outCount
                            let row = columns + (ci * taps + t) * outCount
                            for o in 0..<outCount {
                                let (oy, ox) = (o / g.output[1], o % g.output[1])
                                let y0 =
                                    Float(oy * g.strides[0] - g.padBegin[0] + ky * g.dilations[0])
                                    + ov[offsetRow + o]
                                let x0 =
                                    Float(ox * g.strides[1] - g.padBegin[1] + kx * g.dilations[1])
                                    + ov[offsetRow + outCount + o]
                                let sample = bilinear(xv, plane, height, width, y0, x0)
                                row[o] = sample * (mv?[maskRow + o] ?? 1)
                            }
                        }
                    }
                    wf.withUnsafeBufferPointer(of: Float.self) { pw in
                        y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                            Kernels.sgemm(
                                transA: false, transB: false, m: mg, n: outCount, k: rows, alpha: 1,
                                a: pw.baseAddress! + gi * mg * rows, lda: max(rows, 1), b: columns,
                                ldb: max(outCount, 1), beta: 0,
                                c: py.baseAddress! + (n * outChannels + gi * mg) * outCount,
                                ldc: max(outCount, 1))
                        }
                    }
                }
            }
        }
        if let bf {
            let b = bf.scalars(as: Float.self)
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                for i in 0..<py.count { py[i] += b[(i / outCount) % outChannels] }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }

    /// X's plane at the fractional position (y, x), bilinear over the four neighbours, each
    /// outside the image counting as 0.
    private func bilinear(_ x: [Float], _ plane: Int, _ height: Int, _ width: Int, _ py: Float, _ px: Float)
        -> Float
    {
        guard py.isFinite, px.isFinite, py > -1, px > -1, py < Float(height), px < Float(width) else {
            return 0
        }
        let (fy, fx) = (py.rounded(.down), px.rounded(.down))
        let (ty, tx) = (py - fy, px - fx)
        let (iy, ix) = (Int(fy), Int(fx))
        func at(_ r: Int, _ c: Int) -> Float {
            (0..<height).contains(r) && (0..<width).contains(c) ? x[plane + r * width + c] : 0
        }
        return (1 - ty) * ((1 - tx) * at(iy, ix) + tx * at(iy, ix + 1)) + ty
            * ((1 - tx) * at(iy + 1, ix) + tx * at(iy + 1, ix + 1))
    }
}
