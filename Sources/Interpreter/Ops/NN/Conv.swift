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
        group = try NNSupport.group(context.node, "Conv")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let (x, w, b) = try NNSupport.convolutionOperands(inputs, "Conv")
        let channels = x.shape[1]
        let outChannels = w.shape[0]
        guard w.shape[1] * group == channels, outChannels % group == 0 else {
            throw OpError(
                "Conv: with group \(group), X's \(channels) channels need W of shape (M, \(channels / group), …) with M divisible by \(group); got W \(MathSupport.text(w.shape))"
            )
        }
        try NNSupport.checkBias(b, outChannels, "Conv")
        let spatial = Array(x.shape[2...])
        let kernel = try window.kernel(rank: spatial.count, weights: Array(w.shape[2...]))
        let geometry = try window.forward(input: spatial, kernel: kernel)
        let channelInfo = Kernels.ConvChannels(
            batch: x.shape[0], channels: channels, outChannels: outChannels, group: group)
        let y = try NNSupport.convolve(
            "Conv", x: x, w: w, b: b, channels: channelInfo, geometry: geometry,
            columnRows: channels / group, spatial: geometry.output, workspace: Kernels.convolutionWorkspace
        ) { x, w, b, y, workspace in
            Kernels.convolution(
                x, weights: w, bias: b, channels: channelInfo, geometry: geometry, output: y,
                workspace: workspace)
        }
        return [y]
    }
}
