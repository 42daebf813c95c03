import GraphIR
import Kernels
import TensorCore

/// Conv: grouped N-d cross-correlation with strides, dilations, explicit or automatic padding
/// and an optional bias, as im2col plus one sgemm per image and group.
/// https://onnx.ai/onnx/operators/onnx__Conv.html
///
/// X is (N, C, D1…Dn), W is (M, C/group, k1…kn), B is (M); Y is (N, M, O1…On).
struct ConvOp: Operator {
    let window: WindowAttributes
    let group: Int

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "Conv")
        group = try context.node.int("group", default: 1)
        guard (1...WindowAttributes.maxAttributeValue).contains(group) else {
            throw OpError("Conv: group must be in 1...\(WindowAttributes.maxAttributeValue), got \(group)")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let w = try inputs.required(1)
        let b = inputs.optional(2)
        guard x.rank >= 3, w.rank == x.rank else {
            throw OpError(
                "Conv: X must be (N, C, D1…) with at least one spatial axis and W of the same rank; got X \(MathSupport.text(x.shape)), W \(MathSupport.text(w.shape))"
            )
        }
        let channels = x.shape[1]
        let outChannels = w.shape[0]
        guard w.shape[1] * group == channels, outChannels % group == 0 else {
            throw OpError(
                "Conv: with group \(group), X's \(channels) channels need W of shape (M, \(channels / group), …) with M divisible by \(group); got W \(MathSupport.text(w.shape))"
            )
        }
        if let b, b.count != outChannels || b.rank != 1 {
            throw OpError("Conv: B must have shape [\(outChannels)], got \(MathSupport.text(b.shape))")
        }
        let spatial = Array(x.shape[2...])
        let kernel = try window.kernel(rank: spatial.count, weights: Array(w.shape[2...]))
        let geometry = try window.forward(input: spatial, kernel: kernel)
        let channelInfo = Kernels.ConvChannels(
            batch: x.shape[0], channels: channels, outChannels: outChannels, group: group)
        _ = try ShapeSupport.product([channels / group, geometry.kernelCount, geometry.outputCount])  // the im2col workspace
        try MathSupport.checkBLAS("Conv", [geometry.outputCount, channels / group * geometry.kernelCount])

        let xf = try NNSupport.floats(x, "Conv", "X")
        let wf = try NNSupport.floats(w, "Conv", "W")
        let bf = try b.map { bias throws(OpError) in try NNSupport.floats(bias, "Conv", "B") }
        var y = try ShapeSupport.allocate(.float32, [x.shape[0], outChannels] + geometry.output)
        guard y.count > 0 else { return [try NNSupport.restore(y, to: x.dtype)] }
        try NNSupport.withScratch(
            Kernels.convolutionWorkspace(channels: channelInfo, geometry: geometry), "Conv"
        ) { scratch in
            xf.withUnsafeBufferPointer(of: Float.self) { px in
                wf.withUnsafeBufferPointer(of: Float.self) { pw in
                    y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                        withBias(bf) { pb in
                            Kernels.convolution(
                                px.baseAddress!, weights: pw.baseAddress!, bias: pb,
                                channels: channelInfo, geometry: geometry,
                                output: py.baseAddress!, workspace: scratch)
                        }
                    }
                }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }
}

/// Calls `body` with the float32 bias' base address, or nil when there is no bias.
func withBias<R>(_ bias: Tensor?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    guard let bias else { return try body(nil) }
    return try bias.withUnsafeBufferPointer(of: Float.self) { try body($0.baseAddress) }
}
