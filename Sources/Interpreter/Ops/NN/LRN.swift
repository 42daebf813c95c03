import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// LRN: local response normalization across channels,
/// `y = x / (bias + alpha / size · Σ x²)^beta` with the sum over the `size` channels around
/// each one (floor((size − 1) / 2) before, ceil((size − 1) / 2) after).
/// https://onnx.ai/onnx/operators/onnx__LRN.html
///
/// X and Y are (N, C, D1…Dn).
struct LRNOp: Operator {
    let alpha: Float, beta: Float, bias: Float
    let size: Int

    init(_ context: OpContext) throws {
        let node = context.node
        alpha = try node.float("alpha", default: 1e-4)
        beta = try node.float("beta", default: 0.75)
        bias = try node.float("bias", default: 1)
        size = try node.required("size", node.int)
        guard size >= 1 else { throw OpError("LRN: size must be at least 1, got \(size)") }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank >= 2 else { throw OpError("LRN: X must be (N, C, …), got \(MathSupport.text(x.shape))") }
        let (batch, channels, inner) = (x.shape[0], x.shape[1], x.shape[2...].reduce(1, *))
        let before = (size - 1) / 2
        let after = size / 2  // size / 2 = ceil((size − 1) / 2)
        let xf = try NNSupport.floats(x, "LRN", "X")
        var y = try ShapeSupport.allocate(.float32, x.shape)
        let (alpha, beta, bias, size) = (self.alpha, self.beta, self.bias, Float(self.size))
        xf.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let window = max(0, c - before)...min(channels - 1, c + after)
                        for i in 0..<inner {
                            var squares: Float = 0
                            for k in window {
                                let v = px[(n * channels + k) * inner + i]
                                squares += v * v
                            }
                            let at = (n * channels + c) * inner + i
                            py[at] = px[at] / powf(bias + alpha / size * squares, beta)
                        }
                    }
                }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }
}
