import GraphIR
import TensorCore

/// Batch normalization in inference mode: `Y = (X − input_mean[c]) / sqrt(input_var[c] + epsilon)
/// · scale[c] + B[c]` for X (N, C, D…).
/// https://onnx.ai/onnx/operators/onnx__BatchNormalization.html
///
/// Training mode (`training_mode` = 1, opset ≥ 14) normalizes with the batch's own mean and
/// (population) variance over every axis but C, and also returns the running statistics
/// `input_mean · momentum + batch_mean · (1 − momentum)` (and likewise the variance). The
/// statistics outputs of opsets before 14 are refused. Computed in float32.
struct BatchNormalizationOp: Operator {
    let epsilon: Float
    let training: Bool
    let momentum: Float

    init(_ context: OpContext) throws {
        let node = context.node
        epsilon = try node.float("epsilon", default: 1e-5)
        momentum = try node.float("momentum", default: 0.9)
        training = try node.int("training_mode", default: 0) != 0
        guard !training || context.opset >= 14 else {
            throw OpError("BatchNormalization: training_mode exists from opset 14, the model has \(context.opset)")
        }
        guard try node.int("spatial", default: 1) != 0 else {
            throw OpError("BatchNormalization: spatial = 0 (per-position statistics, opsets before 9) is not supported")
        }
        guard training || node.outputs.count == 1 else {
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
        let (scale, bias) = (values[0], values[1])
        var (mean, variance) = (values[2], values[3])
        let spatial = x.shape[2...].reduce(1, *)
        let x32 = try MathSupport.cast(x, to: .float32)
        var running: [Tensor] = []
        if training {
            let batch = Self.batchStatistics(x32.scalars(as: Float.self), n: x.shape[0], channels: channels, spatial: spatial)
            running = try [(mean, batch.mean), (variance, batch.variance)].map { (previous, current) throws(OpError) in
                let blended = (0..<channels).map { previous[$0] * momentum + current[$0] * (1 - momentum) }
                return try MathSupport.cast(Tensor(blended), to: parameters[2].dtype)
            }
            (mean, variance) = (batch.mean, batch.variance)
        }
        // Y = X·factor[c] + shift[c].
        let factor = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { bias[$0] - mean[$0] * factor[$0] }
        var y = try ShapeSupport.allocate(.float32, x.shape)
        x32.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                for row in 0..<(x.shape[0] * channels) {
                    let c = row % channels
                    for s in 0..<spatial { py[row * spatial + s] = px[row * spatial + s] * factor[c] + shift[c] }
                }
            }
        }
        return [try MathSupport.cast(y, to: x.dtype)] + running
    }

    /// Per-channel mean and population variance of X (n, channels, spatial), in Double.
    static func batchStatistics(_ x: [Float], n: Int, channels: Int, spatial: Int) -> (mean: [Float], variance: [Float]) {
        var mean = [Float](repeating: 0, count: channels), variance = mean
        let count = Double(n * spatial)
        guard count > 0 else { return (mean, variance) }
        for c in 0..<channels {
            var sum = 0.0, squares = 0.0
            for b in 0..<n {
                for s in 0..<spatial {
                    let v = Double(x[(b * channels + c) * spatial + s])
                    sum += v
                    squares += v * v
                }
            }
            let m = sum / count
            mean[c] = Float(m)
            variance[c] = Float(max(squares / count - m * m, 0))
        }
        return (mean, variance)
    }
}
