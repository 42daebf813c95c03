import GraphIR
import TensorCore

/// FlexAttention (ai.onnx.preview, opset 1) without its score_mod/prob_mod subgraphs: plain
/// scaled dot-product attention over 4-D Q (B, Hq, L, E), K (B, Hkv, S, E), V (B, Hkv, S, Ev),
/// with grouped query heads, run by ``AttentionOp``.
/// https://onnx.ai/onnx/operators/onnx_aionnxpreview_FlexAttention.html
struct FlexAttentionOp: Operator {
    let attention: AttentionOp

    init(_ context: OpContext) throws {
        for name in ["score_mod", "prob_mod"] where context.node.attributes[name] != nil {
            throw OpError(
                "FlexAttention: the '\(name)' subgraph is not supported (graph attributes cannot run yet)")
        }
        attention = try AttentionOp(context)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let q = try inputs.required(0)
        let k = try inputs.required(1)
        let v = try inputs.required(2)
        guard q.rank == 4, k.rank == 4, v.rank == 4 else {
            throw OpError(
                "FlexAttention: Q, K and V must be 4-D; got Q \(MathSupport.text(q.shape)), K \(MathSupport.text(k.shape)), V \(MathSupport.text(v.shape))"
            )
        }
        return [try attention.callAsFunction([q, k, v])[0]]
    }
}
