import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The optimizers of the `ai.onnx.preview.training` domain: Adagrad, Adam, Momentum.
///
/// https://onnx.ai/onnx/operators/onnx_aionnxpreviewtraining_Adagrad.html (and _Adam, _Momentum)
///
/// Inputs are the learning rate `R` (scalar), the step count `T` (int64 scalar), then n
/// tensors to optimize, their n gradients and their n (or 2n for Adam) optimizer states; the
/// outputs are the n updated tensors followed by the updated states, each shaped like its
/// tensor. Computed in Double per element.
struct Optimizer: Operator {
    enum Rule: Sendable {
        /// Adagrad: decay_factor, epsilon, norm_coefficient.
        case adagrad(decay: Double, epsilon: Double, norm: Double)
        /// Adam: alpha, beta, epsilon, norm_coefficient, norm_coefficient_post.
        case adam(alpha: Double, beta: Double, epsilon: Double, norm: Double, normPost: Double)
        /// Momentum: alpha, beta, norm_coefficient, Nesterov or standard.
        case momentum(alpha: Double, beta: Double, norm: Double, nesterov: Bool)
    }

    let rule: Rule

    static func adagrad(_ context: OpContext) throws -> Optimizer {
        let node = context.node
        return Optimizer(
            rule: .adagrad(
                decay: Double(try node.float("decay_factor", default: 0)),
                epsilon: Double(try node.float("epsilon", default: 0)),
                norm: Double(try node.float("norm_coefficient", default: 0))))
    }

    static func adam(_ context: OpContext) throws -> Optimizer {
        let node = context.node
        return Optimizer(
            rule: .adam(
                alpha: Double(try node.float("alpha", default: 0.9)),
                beta: Double(try node.float("beta", default: 0.999)),
                epsilon: Double(try node.float("epsilon", default: 0)),
                norm: Double(try node.float("norm_coefficient", default: 0)),
                normPost: Double(try node.float("norm_coefficient_post", default: 0))))
    }

    static func momentum(_ context: OpContext) throws -> Optimizer {
        let node = context.node
        let mode = try node.required("mode", node.string)
        guard mode == "standard" || mode == "nesterov" else {
            throw OpError("mode must be standard or nesterov, got '\(mode)'")
        }
        return Optimizer(
            rule: .momentum(
                alpha: Double(try node.required("alpha", node.float)),
                beta: Double(try node.required("beta", node.float)),
                norm: Double(try node.required("norm_coefficient", node.float)), nesterov: mode == "nesterov")
        )
    }

    /// States per optimized tensor.
    private var states: Int {
        if case .adam = rule { return 2 }
        return 1
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let r = try MiscSupport.doubles(try inputs.required(0), "R").first ?? 0
        let t = try ShapeSupport.scalarInt(try inputs.required(1), "T")
        let groups = 2 + states
        guard (inputs.count - 2) % groups == 0, inputs.count > 2 else {
            throw OpError(
                "expected R, T and \(groups) tensors per optimized input, got \(inputs.count) inputs")
        }
        let n = (inputs.count - 2) / groups
        var updated: [Tensor] = []
        var newStates = [[Tensor]](repeating: [], count: states)
        for i in 0..<n {
            let x = try inputs.required(2 + i)
            let tensors = try (0..<groups).map { try inputs.required(2 + $0 * n + i) }
            guard tensors.allSatisfy({ $0.shape == x.shape }) else {
                throw OpError("tensor \(i), its gradient and states must share the shape \(x.shape)")
            }
            let values = try tensors.map { try MiscSupport.floats($0, "input") }
            var xNew = values[0]
            var s1 = values[2]
            var s2 = states == 2 ? values[3] : []
            for e in 0..<xNew.count {
                let g = values[1][e]
                switch rule {
                case .adagrad(let decay, let epsilon, let norm):
                    let rate = r / (1 + Double(t) * decay)
                    let regularized = norm * values[0][e] + g
                    s1[e] += regularized * regularized
                    xNew[e] = values[0][e] - rate * regularized / (s1[e].squareRoot() + epsilon)
                case .adam(let alpha, let beta, let epsilon, let norm, let normPost):
                    let regularized = norm * values[0][e] + g
                    s1[e] = alpha * s1[e] + (1 - alpha) * regularized
                    s2[e] = beta * s2[e] + (1 - beta) * regularized * regularized
                    let rate =
                        t > 0 ? r * (1 - pow(beta, Double(t))).squareRoot() / (1 - pow(alpha, Double(t))) : r
                    xNew[e] = (1 - normPost) * (values[0][e] - rate * s1[e] / (s2[e].squareRoot() + epsilon))
                case .momentum(let alpha, let beta, let norm, let nesterov):
                    let regularized = norm * values[0][e] + g
                    s1[e] = alpha * s1[e] + (t > 0 ? beta : 1) * regularized
                    xNew[e] = values[0][e] - r * (nesterov ? regularized + alpha * s1[e] : s1[e])
                }
            }
            updated.append(try MiscSupport.tensor(xNew, x.dtype, x.shape))
            newStates[0].append(try MiscSupport.tensor(s1, tensors[2].dtype, x.shape))
            if states == 2 { newStates[1].append(try MiscSupport.tensor(s2, tensors[3].dtype, x.shape)) }
        }
        return updated + newStates.joined()
    }
}
