import GraphIR
import Kernels
import TensorCore

/// ConvTranspose: the adjoint of Conv (each input element scatters the kernel into the
/// output), as one sgemm per image and group followed by col2im.
/// https://onnx.ai/onnx/operators/onnx__ConvTranspose.html
///
/// X is (N, C, D1…Dn), W is (C, M/group, k1…kn), B is (M); Y is (N, M, O1…On) with
/// `O = stride·(D − 1) + output_padding + (k − 1)·dilation + 1 − pads` unless output_shape
/// sets it. With auto_pad SAME_* the padding is derived from the output shape (default D·stride),
/// the odd unit going to the end for SAME_UPPER and to the start for SAME_LOWER, as the ONNX
/// reference implementation does.
struct ConvTransposeOp: Operator {
    let window: WindowAttributes
    let group: Int
    let outputPadding: [Int]?
    let outputShape: [Int]?

    init(_ context: OpContext) throws {
        let node = context.node
        window = try WindowAttributes(node, op: "ConvTranspose")
        group = try NNSupport.group(node, "ConvTranspose")
        outputPadding = try node.ints("output_padding")
        outputShape = try node.ints("output_shape")
        let limit = WindowAttributes.maxAttributeValue
        for (name, values) in [("output_padding", outputPadding), ("output_shape", outputShape)] {
            if let values, let bad = values.first(where: { $0 < 0 || $0 > limit }) {
                throw OpError(
                    "ConvTranspose: attribute '\(name)' value \(bad) is outside 0...\(limit) (got \(values))")
            }
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let (x, w, b) = try NNSupport.convolutionOperands(inputs, "ConvTranspose")
        let channels = x.shape[1]
        guard w.shape[0] == channels, channels % group == 0 else {
            throw OpError(
                "ConvTranspose: W must have shape (C, M/group, …) with C = \(channels) divisible by group \(group); got W \(MathSupport.text(w.shape))"
            )
        }
        let outChannels = w.shape[1] * group
        try NNSupport.checkBias(b, outChannels, "ConvTranspose")
        let spatial = Array(x.shape[2...])
        let kernel = try window.kernel(rank: spatial.count, weights: Array(w.shape[2...]))
        let geometry = try self.geometry(input: spatial, kernel: kernel)
        let channelInfo = Kernels.ConvChannels(
            batch: x.shape[0], channels: channels, outChannels: outChannels, group: group)
        let y = try NNSupport.convolve(
            "ConvTranspose", x: x, w: w, b: b, channels: channelInfo, geometry: geometry,
            columnRows: outChannels / group, spatial: geometry.input,
            workspace: Kernels.convolutionTransposeWorkspace
        ) { x, w, b, y, workspace in
            Kernels.convolutionTranspose(
                x, weights: w, bias: b, channels: channelInfo, geometry: geometry, output: y,
                workspace: workspace)
        }
        return [y]
    }

    /// The geometry of the forward convolution from Y back to X: its input is Y's spatial
    /// shape, its output X's.
    private func geometry(input: [Int], kernel: [Int]) throws(OpError) -> WindowGeometry {
        let rank = input.count
        let (strides, dilations, explicitPads) = try window.explicit(rank: rank)
        var pads = explicitPads
        let adjust = outputPadding ?? Array(repeating: 0, count: rank)
        guard adjust.count == rank else {
            throw OpError(
                "ConvTranspose: output_padding \(adjust) has \(adjust.count) values, expected \(rank)")
        }
        var requested: [Int]? = nil
        if let outputShape {
            // Some exporters include the batch and channel axes.
            guard outputShape.count == rank || outputShape.count == rank + 2 else {
                throw OpError(
                    "ConvTranspose: output_shape \(outputShape) has \(outputShape.count) values, expected \(rank)"
                )
            }
            requested = Array(outputShape.suffix(rank))
        }
        let same = window.autoPad == .sameUpper || window.autoPad == .sameLower
        var output = [Int]()
        for a in 0..<rank {
            let extent = (kernel[a] - 1) * dilations[a] + 1
            let full = strides[a] * (input[a] - 1) + adjust[a] + extent
            if same && window.pads == nil {
                let out = requested?[a] ?? input[a] * strides[a]
                let total = full - out
                let half = Int((Double(total) / 2).rounded(.down))
                pads[a] = window.autoPad == .sameUpper ? half : total - half
                pads[rank + a] = total - pads[a]
                output.append(out)
            } else {
                if window.autoPad == .valid {
                    pads[a] = 0
                    pads[rank + a] = 0
                }
                output.append(requested?[a] ?? full - pads[a] - pads[rank + a])
            }
            guard output[a] >= 0 else {
                throw OpError(
                    "ConvTranspose: output size \(output[a]) on spatial axis \(a) is negative (input \(input[a]), kernel \(kernel[a]), stride \(strides[a]), pads \(pads[a]), \(pads[rank + a]))"
                )
            }
        }
        try WindowAttributes.checkSizes(output: output, kernel: kernel, "ConvTranspose")
        return WindowGeometry(
            input: output, output: input, kernel: kernel, strides: strides, dilations: dilations,
            padBegin: Array(pads[..<rank]), padEnd: Array(pads[rank...]))
    }
}
