import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
///
/// https://onnx.ai/onnx/operators/onnx__NegativeLogLikelihoodLoss.html
/// https://onnx.ai/onnx/operators/onnx__SoftmaxCrossEntropyLoss.html
///
/// `input` (N, C, d1…dk) holds log-probabilities (NLL) or scores (SCE, which takes a log-softmax
/// over C first); `target` (N, d1…dk) int32/int64 class indices; optional `weight` (C).
/// Each position's loss is −input[n, target, d…] · weight[target], or 0 where target equals
/// `ignore_index`. `reduction`: `none` → (N, d1…dk); `sum` → scalar; `mean` (default) → the
/// sum divided by the sum of the weights used (the count of non-ignored positions without
/// `weight`). SCE's optional second output is the log-softmax, shaped like `input`.
struct LossOp: Operator {
    enum Reduction: String { case none, sum, mean }

    let softmax: Bool
    let reduction: Reduction
    let ignoreIndex: Int?

    init(_ context: OpContext, softmax: Bool) throws {
        self.softmax = softmax
        let name = try context.node.string("reduction", default: "mean")
        guard let reduction = Reduction(rawValue: name) else {
            throw OpError("reduction must be none, sum or mean, got '\(name)'")
        }
        self.reduction = reduction
        ignoreIndex = try context.node.int("ignore_index")
    }

    private var name: String { softmax ? "SoftmaxCrossEntropyLoss" : "NegativeLogLikelihoodLoss" }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let targetTensor = try inputs.required(1)
        guard input.rank >= 2 else { throw OpError("\(name): input must be (N, C, ...), got \(input.shape)") }
        let (n, c) = (input.shape[0], input.shape[1])
        let spatial = Array(input.shape[2...])
        guard targetTensor.shape == [n] + spatial else {
            throw OpError(
                "\(name): target shape \(targetTensor.shape) must be \([n] + spatial) for input \(input.shape)"
            )
        }
        let target = try ShapeSupport.ints(targetTensor, "target")
        var weight: [Double]?
        if let w = inputs.optional(2) {
            guard w.shape == [c] else {
                throw OpError("\(name): weight must have shape [\(c)], got \(w.shape)")
            }
            weight = try MiscSupport.floats(w, "weight")
        }
        var scores = try MiscSupport.floats(input, "input")
        let d = spatial.reduce(1, *)
        if softmax { Self.logSoftmax(&scores, n: n, c: c, d: d) }

        var losses = [Double](repeating: 0, count: n * d)
        var weightSum = 0.0
        for b in 0..<n {
            for j in 0..<d {
                let t = target[b * d + j]
                if t == ignoreIndex { continue }
                guard t >= 0 && t < c else {
                    throw OpError("\(name): target \(t) is outside [0, \(c)) and is not ignore_index")
                }
                let w = weight?[t] ?? 1
                losses[b * d + j] = -scores[(b * c + t) * d + j] * w
                weightSum += w
            }
        }
        let loss: Tensor
        switch reduction {
        case .none: loss = try MiscSupport.tensor(losses, input.dtype, targetTensor.shape)
        case .sum: loss = try MiscSupport.tensor([losses.reduce(0, +)], input.dtype, [])
        case .mean: loss = try MiscSupport.tensor([losses.reduce(0, +) / weightSum], input.dtype, [])
        }
        guard softmax else { return [loss] }
        return [loss, try MiscSupport.tensor(scores, input.dtype, input.shape)]
    }

    /// Log-softmax over axis 1 of (n, c, d), in place.
    static func logSoftmax(_ x: inout [Double], n: Int, c: Int, d: Int) {
        for b in 0..<n {
            for j in 0..<d {
                var top = -Double.infinity
                for k in 0..<c { top = max(top, x[(b * c + k) * d + j]) }
                var sum = 0.0
                for k in 0..<c { sum += exp(x[(b * c + k) * d + j] - top) }
                let shift = top + log(sum)
                for k in 0..<c { x[(b * c + k) * d + j] -= shift }
            }
        }
    }
}
