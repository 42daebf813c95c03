import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CausalConvWithState: a causal depthwise 1-D convolution that carries its last k − 1 inputs
/// between calls (Mamba / Gated DeltaNet decode).
///
/// https://onnx.ai/onnx/operators/onnx__CausalConvWithState.html
///
/// `input` (B, C, L), `weight` (C, 1, k), optional `bias` (C), optional `past_state`
/// (B, C, k − 1, zeros when absent) → `output` (B, C, L), optionally followed by SiLU
/// (`activation` silu or swish), and `present_state` (B, C, k − 1): the last k − 1 positions
/// of past_state ++ input.
struct CausalConvWithState: Operator {
    let silu: Bool

    init(_ context: OpContext) throws {
        let activation = try context.node.string("activation", default: "none")
        guard ["none", "silu", "swish"].contains(activation) else {
            throw OpError("activation must be none, silu or swish, got '\(activation)'")
        }
        silu = activation != "none"
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let w = try inputs.required(1)
        guard x.rank == 3, w.rank == 3, w.shape[0] == x.shape[1], w.shape[1] == 1, w.shape[2] >= 1 else {
            throw OpError("input must be (B, C, L) and weight (C, 1, k), got \(x.shape) and \(w.shape)")
        }
        let (batch, channels, length, k) = (x.shape[0], x.shape[1], x.shape[2], w.shape[2])
        let bias = inputs.optional(2)
        if let bias, bias.shape != [channels] {
            throw OpError("bias must be [\(channels)], got \(bias.shape)")
        }
        let past = inputs.optional(3)
        if let past, past.shape != [batch, channels, k - 1] {
            throw OpError("past_state must be [\(batch), \(channels), \(k - 1)], got \(past.shape)")
        }
        let kernel = Kernel(
            x: x, w: w, bias: bias, past: past, batch: batch, channels: channels, length: length,
            k: k, silu: silu)
        return try kernel.dispatch(x.dtype, "CausalConvWithState")
    }

    private struct Kernel: FloatBody {
        let x, w: Tensor
        let bias, past: Tensor?
        let batch, channels, length, k: Int
        let silu: Bool

        func run<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> [Tensor] {
            let input = try MiscSupport.elements(x, as: T.self)
            let weight = try MiscSupport.elements(w, as: T.self)
            let biases = try bias.map { try MiscSupport.elements($0, as: T.self) }
            let state = try past.map { try MiscSupport.elements($0, as: T.self) }
            let padded = length + k - 1
            var y = [T](repeating: 0, count: batch * channels * length)
            var present = [T](repeating: 0, count: batch * channels * (k - 1))
            var lane = [T](repeating: 0, count: padded)
            for row in 0..<(batch * channels) {
                let c = row % channels
                for j in 0..<(k - 1) { lane[j] = state?[row * (k - 1) + j] ?? 0 }
                for j in 0..<length { lane[k - 1 + j] = input[row * length + j] }
                for t in 0..<length {
                    var sum = biases?[c] ?? 0
                    for j in 0..<k { sum += weight[c * k + j] * lane[t + j] }
                    if silu { sum = sum / (1 + T(exp(-Double(sum)))) }
                    y[row * length + t] = sum
                }
                for j in 0..<(k - 1) { present[row * (k - 1) + j] = lane[padded - (k - 1) + j] }
            }
            return [
                try MiscSupport.result(y, x.dtype, x.shape),
                try MiscSupport.result(present, x.dtype, [batch, channels, k - 1]),
            ]
        }
    }
}
