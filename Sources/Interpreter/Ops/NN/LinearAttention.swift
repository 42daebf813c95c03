import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// LinearAttention (opset 27): the recurrent linear-attention family, run token by token.
/// https://onnx.ai/onnx/operators/onnx__LinearAttention.html
///
/// query is (B, T, Hq·dk), key (B, T, Hkv·dk), value (B, T, Hkv·dv); past_state and
/// present_state are (B, Hkv, dk, dv); decay is (B, T, Hkv·dk) or (B, T, Hkv); beta is
/// (B, T, Hkv) or (B, T, 1); output is (B, T, Hq·dv). Per token, with the state S of the
/// key/value head: `gated*` rules first decay S by exp(g); `*delta` rules replace v by
/// β·(v − Sᵀk); then S += k ⊗ v, and each query head reading that state outputs scale·qᵀS.
/// Query head h reads state h / (Hq / Hkv). Computed in float32, as the ONNX reference does.
struct LinearAttentionOp: Operator {
    let qHeads: Int, kvHeads: Int
    let scale: Float
    let gated: Bool, delta: Bool

    init(_ context: OpContext) throws {
        let node = context.node
        qHeads = try node.required("q_num_heads", node.int)
        kvHeads = try node.required("kv_num_heads", node.int)
        guard qHeads > 0, kvHeads > 0, qHeads % kvHeads == 0 else {
            throw OpError(
                "LinearAttention: q_num_heads (\(qHeads)) must be a positive multiple of kv_num_heads (\(kvHeads))"
            )
        }
        scale = try node.float("scale", default: 0)
        let rule = try node.string("update_rule", default: "gated_delta")
        guard ["linear", "gated", "delta", "gated_delta"].contains(rule) else {
            throw OpError("LinearAttention: update_rule '\(rule)' is not linear, gated, delta or gated_delta")
        }
        gated = rule.hasPrefix("gated")
        delta = rule.hasSuffix("delta")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let query = try inputs.required(0)
        let key = try inputs.required(1)
        let value = try inputs.required(2)
        let past = inputs.optional(3)
        let decay = inputs.optional(4)
        let beta = inputs.optional(5)
        let shapes =
            "query \(MathSupport.text(query.shape)), key \(MathSupport.text(key.shape)), value \(MathSupport.text(value.shape))"
        guard query.rank == 3, key.rank == 3, value.rank == 3, key.shape[..<2] == query.shape[..<2],
            value.shape[..<2] == query.shape[..<2], query.shape[2] % qHeads == 0,
            value.shape[2] % kvHeads == 0,
            key.shape[2] == query.shape[2] / qHeads * kvHeads
        else {
            throw OpError(
                "LinearAttention: need query (B, T, \(qHeads)·dk), key (B, T, \(kvHeads)·dk), value (B, T, \(kvHeads)·dv); got \(shapes)"
            )
        }
        guard gated == (decay != nil), delta == (beta != nil) else {
            throw OpError(
                "LinearAttention: the update rule needs \(gated ? "a" : "no") decay and \(delta ? "a" : "no") beta input"
            )
        }
        let (batch, steps) = (query.shape[0], query.shape[1])
        let (dk, dv) = (query.shape[2] / qHeads, value.shape[2] / kvHeads)
        let q = try NNSupport.floats(query, "LinearAttention", "query").scalars(as: Float.self)
        let k = try NNSupport.floats(key, "LinearAttention", "key").scalars(as: Float.self)
        let v = try NNSupport.floats(value, "LinearAttention", "value").scalars(as: Float.self)
        // decay: per key dimension (stride 1 within a head) or one value per head (stride 0).
        var g: [Float] = []
        var gPerDim = false
        if let decay {
            guard decay.rank == 3, decay.shape[..<2] == query.shape[..<2],
                decay.shape[2] == kvHeads || decay.shape[2] == kvHeads * dk
            else {
                throw OpError(
                    "LinearAttention: decay must be (B, T, \(kvHeads)) or (B, T, \(kvHeads * dk)), got \(MathSupport.text(decay.shape))"
                )
            }
            g = try NNSupport.floats(decay, "LinearAttention", "decay").scalars(as: Float.self)
            gPerDim = decay.shape[2] == kvHeads * dk
        }
        var b: [Float] = []
        var betaPerHead = false
        if let beta {
            guard beta.rank == 3, beta.shape[..<2] == query.shape[..<2],
                beta.shape[2] == kvHeads || beta.shape[2] == 1
            else {
                throw OpError(
                    "LinearAttention: beta must be (B, T, \(kvHeads)) or (B, T, 1), got \(MathSupport.text(beta.shape))"
                )
            }
            b = try NNSupport.floats(beta, "LinearAttention", "beta").scalars(as: Float.self)
            betaPerHead = beta.shape[2] == kvHeads
        }
        var state = [Float](repeating: 0, count: try ShapeSupport.product([batch, kvHeads, dk, dv]))
        if let past {
            guard past.shape == [batch, kvHeads, dk, dv] else {
                throw OpError(
                    "LinearAttention: past_state must be (\(batch), \(kvHeads), \(dk), \(dv)), got \(MathSupport.text(past.shape))"
                )
            }
            state = try NNSupport.floats(past, "LinearAttention", "past_state").scalars(as: Float.self)
        }
        let outputScale = scale != 0 ? scale : 1 / Float(dk).squareRoot()
        let group = qHeads / kvHeads
        var output = [Float](repeating: 0, count: try ShapeSupport.product([batch, steps, qHeads * dv]))
        var corrected = [Float](repeating: 0, count: dv)
        for n in 0..<batch {
            for t in 0..<steps {
                let token = n * steps + t
                for h in 0..<kvHeads {
                    let s = (n * kvHeads + h) * dk * dv
                    let kt = token * kvHeads * dk + h * dk
                    let vt = token * kvHeads * dv + h * dv
                    if gated {
                        for d in 0..<dk {
                            let factor = expf(g[gPerDim ? kt + d : token * kvHeads + h])
                            for m in 0..<dv { state[s + d * dv + m] *= factor }
                        }
                    }
                    for m in 0..<dv { corrected[m] = v[vt + m] }
                    if delta {
                        let rate = b[betaPerHead ? token * kvHeads + h : token]
                        for m in 0..<dv {
                            var retrieved: Float = 0
                            for d in 0..<dk { retrieved += state[s + d * dv + m] * k[kt + d] }
                            corrected[m] = rate * (v[vt + m] - retrieved)
                        }
                    }
                    for d in 0..<dk {
                        for m in 0..<dv { state[s + d * dv + m] += k[kt + d] * corrected[m] }
                    }
                    for qh in (h * group)..<((h + 1) * group) {
                        let qt = token * qHeads * dk + qh * dk
                        let ot = token * qHeads * dv + qh * dv
                        for m in 0..<dv {
                            var sum: Float = 0
                            for d in 0..<dk { sum += q[qt + d] * state[s + d * dv + m] }
                            output[ot + m] = outputScale * sum
                        }
                    }
                }
            }
        }
        let y = try NNSupport.restore(
            Tensor(shape: [batch, steps, qHeads * dv], scalars: output), to: query.dtype)
        let present = try NNSupport.restore(
            Tensor(shape: [batch, kvHeads, dk, dv], scalars: state),
            to: past?.dtype ?? query.dtype)
        return [y, present]
    }
}
