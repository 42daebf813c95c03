import Foundation
import GraphIR
import Interpreter
import TensorCore
import Testing

/// Attention (opset 23+) on small hand-computed cases.
@Suite("Attention")
struct AttentionTests {
    static func t(_ shape: [Int], _ values: [Float]) -> Tensor { Tensor(shape: shape, scalars: values) }

    static func attention(
        _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 23, outputs: Int = 1
    ) throws -> [Tensor] {
        try runOp("Attention", inputs, attributes: attributes, opset: opset, outputs: outputs)
    }

    /// One query, two keys at scores 0 and 1 (scale 1): weights 1/(1+e) and e/(1+e).
    static let q = t([1, 1, 1, 1], [1])
    static let k = t([1, 1, 2, 1], [0, 1])
    static let v = t([1, 1, 2, 1], [10, 20])
    static let scale: [String: Attribute] = ["scale": .float(1)]

    @Test("softmax-weighted sum of the values")
    func basic() throws {
        let y = try Self.attention([Self.q, Self.k, Self.v], attributes: Self.scale, opset: 23)[0]
        let e = Float(M_E)
        expectClose(y, [10 + 10 * e / (1 + e)], shape: [1, 1, 1, 1])
    }

    @Test("the default scale is 1/√head_size")
    func defaultScale() throws {
        let q = Self.t([1, 1, 1, 4], [1, 1, 1, 1])
        let k = Self.t([1, 1, 2, 4], [0, 0, 0, 0, 1, 1, 1, 1])
        let y = try Self.attention([q, k, Self.v], outputs: 4)  // scores 0 and 4·(1/2) = 2
        let w = Float(exp(2.0) / (1 + exp(2.0)))
        expectClose(y[0], [10 + 10 * w], shape: [1, 1, 1, 1])
        expectClose(y[3], [0, 2], shape: [1, 1, 1, 2])
    }

    @Test("a boolean mask removes keys; a float mask is added to the scores")
    func masks() throws {
        let boolMask = Tensor(shape: [1, 2], scalars: [true, false])
        expectClose(
            try Self.attention([Self.q, Self.k, Self.v, boolMask], attributes: Self.scale)[0], [10],
            shape: [1, 1, 1, 1])
        let floatMask = Self.t([1, 2], [1, 0])  // scores become 1 and 1: equal weights
        expectClose(
            try Self.attention([Self.q, Self.k, Self.v, floatMask], attributes: Self.scale)[0], [15],
            shape: [1, 1, 1, 1])
    }

    @Test("is_causal: query i sees keys 0…i (plus the past length)")
    func causal() throws {
        let q = Self.t([1, 1, 2, 1], [1, 1])
        let k = Self.t([1, 1, 2, 1], [0, 0])
        let y = try Self.attention([q, k, Self.v], attributes: ["is_causal": .int(1)])[0]
        expectClose(y, [10, 15], shape: [1, 1, 2, 1])
    }

    @Test("a query row with every key masked gives zeros, not NaN")
    func fullyMasked() throws {
        let mask = Tensor(shape: [1, 2], scalars: [false, false])
        let out = try Self.attention(
            [Self.q, Self.k, Self.v, mask], attributes: ["qk_matmul_output_mode": .int(3)], outputs: 4)
        expectClose(out[0], [0], shape: [1, 1, 1, 1])
        expectClose(out[3], [0, 0], shape: [1, 1, 1, 2])
    }

    @Test("grouped-query: query heads h share key/value head h / (Hq / Hkv)")
    func groupedQuery() throws {
        let q = Self.t([1, 4, 1, 1], [1, 1, 1, 1])
        let k = Self.t([1, 2, 1, 1], [0, 0])
        let v = Self.t([1, 2, 1, 1], [10, 20])
        let y = try Self.attention([q, k, v])[0]
        expectClose(y, [10, 10, 20, 20], shape: [1, 4, 1, 1])
    }

    @Test("3-D inputs are (B, S, heads·size) and match the 4-D layout")
    func threeD() throws {
        // Two heads of size 1: head 0 is the basic case, head 1 has its keys swapped.
        let q = Self.t([1, 1, 2], [1, 1])
        let k = Self.t([1, 2, 2], [0, 1, 1, 0])
        let v = Self.t([1, 2, 2], [10, 10, 20, 20])
        let y = try Self.attention(
            [q, k, v], attributes: ["q_num_heads": .int(2), "kv_num_heads": .int(2), "scale": .float(1)])[0]
        let e = Float(M_E)
        expectClose(y, [10 + 10 * e / (1 + e), 10 + 10 / (1 + e)], shape: [1, 1, 2])
    }

    @Test(
        "past_key/past_value come first in present_key/present_value, and causal masking offsets by their length"
    )
    func cache() throws {
        let pastKey = Self.t([1, 1, 1, 1], [0])
        let pastValue = Self.t([1, 1, 1, 1], [10])
        let k = Self.t([1, 1, 1, 1], [0])
        let v = Self.t([1, 1, 1, 1], [20])
        let out = try Self.attention(
            [Self.q, k, v, nil, pastKey, pastValue], attributes: ["is_causal": .int(1)], outputs: 3)
        expectClose(out[0], [15], shape: [1, 1, 1, 1])  // the one query sees both keys
        expectClose(out[1], [0, 0], shape: [1, 1, 2, 1])
        expectClose(out[2], [10, 20], shape: [1, 1, 2, 1])
    }

    @Test("qk_matmul_output modes: raw, soft-capped, with bias, softmax")
    func scoreOutputs() throws {
        let mask = Self.t([1, 2], [0, -1])
        func scores(_ mode: Int) throws -> [Float] {
            try Self.attention(
                [Self.q, Self.k, Self.v, mask],
                attributes: [
                    "scale": .float(1), "softcap": .float(0.5), "qk_matmul_output_mode": .int(mode),
                ],
                outputs: 4)[3].scalars(as: Float.self)
        }
        let capped = 0.5 * tanh(Float(2))
        #expect(try scores(0) == [0, 1])
        #expect(try scores(1) == [0, capped])
        #expect(try scores(2) == [0, capped - 1])
        let softmax = try scores(3)
        #expect(abs(softmax[1] - exp(capped - 1) / (1 + exp(capped - 1))) < 1e-6)
    }

    @Test("nonpad_kv_seqlen masks the padding keys of each batch (opset 24)")
    func externalCache() throws {
        let q = Self.t([2, 1, 1, 1], [1, 1])
        let k = Self.t([2, 1, 2, 1], [0, 0, 0, 0])
        let v = Self.t([2, 1, 2, 1], [10, 20, 10, 20])
        let y = try Self.attention([q, k, v, nil, nil, nil, Tensor([1, 2] as [Int64])], opset: 24)[0]
        expectClose(y, [10, 15], shape: [2, 1, 1, 1])
    }

    @Test("sliding window: left_window_size limits how far back a query looks (opset 25)")
    func window() throws {
        let q = Self.t([1, 1, 3, 1], [0, 0, 0])
        let k = Self.t([1, 1, 3, 1], [0, 0, 0])
        let v = Self.t([1, 1, 3, 1], [1, 2, 3])
        let y = try Self.attention(
            [q, k, v], attributes: ["is_causal": .int(1), "left_window_size": .int(1)], opset: 25)[0]
        expectClose(y, [1, 1.5, 2.5], shape: [1, 1, 3, 1])
    }

    @Test("errors name the shapes and attributes")
    func errors() throws {
        let q3 = Self.t([1, 1, 2], [1, 1])
        #expect { try Self.attention([q3, q3, q3]) } throws: {
            "\($0)".contains("q_num_heads and kv_num_heads")
        }
        #expect { try Self.attention([Self.q, Self.k, Self.v, nil, Self.k]) } throws: {
            "\($0)".contains("together")
        }
        let q3heads = Self.t([1, 3, 1, 1], [1, 1, 1])
        let k2 = Self.t([1, 2, 2, 1], [0, 0, 0, 0])
        #expect { try Self.attention([q3heads, k2, k2]) } throws: { "\($0)".contains("multiple of the 2") }
        #expect { try Self.attention([Self.q, Self.k, Self.v, Self.t([1, 3], [0, 0, 0])]) } throws: {
            "\($0)".contains("attn_mask of shape [1,3]")
        }
    }

    // MARK: - LinearAttention

    /// One head, dk = dv = 1, two tokens: q = [1, 1], k = [1, 2], v = [3, 4].
    static func linear(
        _ rule: String, decay: Tensor? = nil, beta: Tensor? = nil, past: Tensor? = nil,
        qHeads: Int = 1
    ) throws -> [Tensor] {
        let q = t([1, 2, qHeads], [Float](repeating: 1, count: 2 * qHeads))
        return try runOp(
            "LinearAttention", [q, t([1, 2, 1], [1, 2]), t([1, 2, 1], [3, 4]), past, decay, beta],
            attributes: [
                "update_rule": .string(rule), "q_num_heads": .int(qHeads), "kv_num_heads": .int(1),
                "scale": .float(1),
            ],
            opset: 27, outputs: 2)
    }

    @Test("LinearAttention linear rule: S accumulates k ⊗ v, output qᵀS")
    func linearRule() throws {
        let out = try Self.linear("linear")
        expectClose(out[0], [3, 11], shape: [1, 2, 1])
        expectClose(out[1], [11], shape: [1, 1, 1, 1])
        let resumed = try Self.linear("linear", past: Self.t([1, 1, 1, 1], [10]))
        expectClose(resumed[0], [13, 21], shape: [1, 2, 1])
    }

    @Test("LinearAttention gated and delta rules")
    func gatedAndDelta() throws {
        let halve = Self.t([1, 2, 1], [Float(log(0.5)), Float(log(0.5))])
        expectClose(try Self.linear("gated", decay: halve)[0], [3, 9.5], shape: [1, 2, 1])  // 3; 3·0.5 + 8
        // β = 0.5: v₁' = 0.5·3 → S = 1.5; v₂' = 0.5·(4 − 1.5·2) → S = 1.5 + 2·0.5.
        expectClose(
            try Self.linear("delta", beta: Self.t([1, 2, 1], [0.5, 0.5]))[0], [1.5, 2.5], shape: [1, 2, 1])
        #expect { try Self.linear("gated") } throws: { "\($0)".contains("decay") }
    }

    @Test("LinearAttention grouped query heads read their shared state")
    func linearGroupedQuery() throws {
        let out = try Self.linear("linear", qHeads: 2)
        expectClose(out[0], [3, 3, 11, 11], shape: [1, 2, 2])
    }

    // MARK: - FlexAttention

    @Test("FlexAttention without modifiers is Attention; score_mod subgraphs are refused")
    func flexAttention() throws {
        let q = Self.t([1, 2, 1, 2], [1, 0, 0, 1])
        let k = Self.t([1, 1, 2, 2], [1, 0, 0, 1])
        let v = Self.t([1, 1, 2, 1], [10, 20])
        let flex = try runOp("FlexAttention", [q, k, v], domain: "ai.onnx.preview")[0]
        let e = Float(exp(1 / 2.0.squareRoot()))  // scores 1/√2 and 0, default scale 1/√2
        expectClose(flex, [10 + 10 / (1 + e), 10 + 10 * e / (1 + e)], shape: [1, 2, 1, 1])
        #expect {
            try runOp(
                "FlexAttention", [q, k, v], attributes: ["score_mod": .unsupported("GRAPH")],
                domain: "ai.onnx.preview")
        } throws: { "\($0)".contains("score_mod") }
    }
}
