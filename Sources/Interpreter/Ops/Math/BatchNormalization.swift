import GraphIR
import TensorCore

/// Batch normalization in inference mode: `Y = (X − input_mean[c]) / sqrt(input_var[c] + epsilon)
/// · scale[c] + B[c]` for X (N, C, D…).
/// https://onnx.ai/onnx/operators/onnx__BatchNormalization.html
///
/// Training mode (`training_mode` = 1, or the running-statistics outputs of opsets before 14)
/// is refused: an exported model for inference never needs it. Computed in float32.
struct BatchNormalizationOp: Operator {
    let epsilon: Float

    init(_ context: OpContext) throws {
        let node = context.node
        epsilon = try node.float("epsilon", default: 1e-5)
        guard try node.int("training_mode", default: 0) == 0 else {
            throw OpError("BatchNormalization: training_mode = 1 is not supported (inference only)")
        }
        guard try node.int("spatial", default: 1) != 0 else {
            throw OpError("BatchNormalization: spatial = 0 (per-position statistics, opsets before 9) is not supported")
        }
        guard node.outputs.count == 1 else {
            throw OpError("BatchNormalization: only the Y output of inference mode is supported, "
                + "the node has \(node.outputs.count) outputs")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let parameters = try (1...4).map { (i) throws(OpError) in try inputs.required(i) }
        guard x.rank >= 2 else {
            throw OpError("BatchNormalization: X must have shape (N, C, …), got \(MathSupport.text(x.shape))")
        }
        guard x.dtype.isFloatingPoint else { throw OpError("BatchNormalization: dtype \(x.dtype) is not supported") }
        let channels = x.shape[1]
        guard parameters.allSatisfy({ $0.count == channels }) else {
            throw OpError("BatchNormalization: scale, B, input_mean and input_var need \(channels) elements each, "
                + "got \(parameters.map(\.count))")
        }
        let values = try parameters.map { (t) throws(OpError) in try MathSupport.cast(t, to: .float32).scalars(as: Float.self) }
        let (scale, bias, mean, variance) = (values[0], values[1], values[2], values[3])
        // Y = X·factor[c] + shift[c].
        let factor = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { bias[$0] - mean[$0] * factor[$0] }
        let spatial = x.shape[2...].reduce(1, *)
        let x32 = try MathSupport.cast(x, to: .float32)
        var y = try ShapeSupport.allocate(.float32, x.shape)
        x32.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                for row in 0..<(x.shape[0] * channels) {
                    let c = row % channels
                    for s in 0..<spatial { py[row * spatial + s] = px[row * spatial + s] * factor[c] + shift[c] }
                }
            }
        }
        return [try MathSupport.cast(y, to: x.dtype)]
    }
}
