import GraphIR
import TensorCore

/// Instance normalization: X (N, C, D…) normalized per instance and channel over the spatial
/// axes, then `· scale[c] + B[c]` — group normalization with one channel per group.
/// https://onnx.ai/onnx/operators/onnx__InstanceNormalization.html
struct InstanceNormalizationOp: Operator {
    let epsilon: Float

    init(_ context: OpContext) throws {
        epsilon = try context.node.float("epsilon", default: 1e-5)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), scale = try inputs.required(1), bias = try inputs.required(2)
        guard x.rank >= 2 else {
            throw OpError("InstanceNormalization: X must have shape (N, C, …), got \(MathSupport.text(x.shape))")
        }
        let channels = x.shape[1]
        guard scale.count == channels, bias.count == channels else {
            throw OpError("InstanceNormalization: scale and B need \(channels) elements, got \(scale.count) and \(bias.count)")
        }
        let scaleValues = try MathSupport.cast(scale, to: .float32).scalars(as: Float.self)
        let biasValues = try MathSupport.cast(bias, to: .float32).scalars(as: Float.self)
        return [try GroupNormalizationOp.normalize(x, groups: channels, scale: scaleValues, bias: biasValues,
                                                   epsilon: epsilon, "InstanceNormalization")]
    }
}
