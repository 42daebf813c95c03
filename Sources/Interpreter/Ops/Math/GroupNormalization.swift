import GraphIR
import Kernels
import TensorCore

/// Group normalization: X (N, C, D…) is normalized over each group of C / num_groups channels
/// and all spatial positions, then scaled and shifted per channel.
/// https://onnx.ai/onnx/operators/onnx__GroupNormalization.html
///
/// Opset 18 gives `scale` and `bias` one value per group; opset 21 one per channel.
/// Statistics are computed in float32 whatever the input dtype.
struct GroupNormalizationOp: Operator {
    let groups: Int
    let epsilon: Float
    /// Opset 18: scale and bias have num_groups elements.
    let perGroupParameters: Bool

    init(_ context: OpContext, perGroupParameters: Bool) throws {
        let node = context.node
        groups = try node.required("num_groups", node.int)
        epsilon = try node.float("epsilon", default: 1e-5)
        self.perGroupParameters = perGroupParameters
        guard groups > 0 else { throw OpError("GroupNormalization: num_groups must be positive, got \(groups)") }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), scale = try inputs.required(1), bias = try inputs.required(2)
        guard x.rank >= 2 else {
            throw OpError("GroupNormalization: X must have shape (N, C, …), got \(MathSupport.text(x.shape))")
        }
        let channels = x.shape[1]
        guard channels % groups == 0 else {
            throw OpError("GroupNormalization: \(channels) channels do not split into \(groups) groups")
        }
        let expected = perGroupParameters ? groups : channels
        guard scale.count == expected, bias.count == expected else {
            throw OpError("GroupNormalization: scale and bias need \(expected) elements, got \(scale.count) and \(bias.count)")
        }
        var scaleValues = try MathSupport.cast(scale, to: .float32).scalars(as: Float.self)
        var biasValues = try MathSupport.cast(bias, to: .float32).scalars(as: Float.self)
        if perGroupParameters {
            let perGroup = channels / groups
            scaleValues = (0..<channels).map { scaleValues[$0 / perGroup] }
            biasValues = (0..<channels).map { biasValues[$0 / perGroup] }
        }
        return [try Self.normalize(x, groups: groups, scale: scaleValues, bias: biasValues, epsilon: epsilon, "GroupNormalization")]
    }

    /// X (N, C, D…) normalized per (instance, group) then `· scale[c] + bias[c]`; in X's dtype.
    static func normalize(
        _ x: Tensor, groups: Int, scale: [Float], bias: [Float], epsilon: Float, _ op: String
    ) throws(OpError) -> Tensor {
        guard x.dtype.isFloatingPoint else { throw OpError("\(op): dtype \(x.dtype) is not supported") }
        let batch = x.shape[0], channels = x.shape[1], spatial = x.shape[2...].reduce(1, *)
        let x32 = try MathSupport.cast(x, to: .float32)
        var y = try ShapeSupport.allocate(.float32, x.shape)
        guard y.count > 0 else { return try MathSupport.cast(y, to: x.dtype) }
        x32.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                let out = py.baseAddress!
                Kernels.layerNormalization(px.baseAddress!, out, rows: batch * groups,
                                           cols: channels / groups * spatial, scale: nil, bias: nil, epsilon: epsilon)
                for n in 0..<batch {
                    for c in 0..<channels {
                        let row = out + (n * channels + c) * spatial
                        for s in 0..<spatial { row[s] = row[s] * scale[c] + bias[c] }
                    }
                }
            }
        }
        return try MathSupport.cast(y, to: x.dtype)
    }
}
