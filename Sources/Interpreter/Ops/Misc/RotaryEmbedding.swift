import GraphIR
import TensorCore

/// RotaryEmbedding (RoPE): rotates pairs of each head's features by position-dependent angles.
///
/// https://onnx.ai/onnx/operators/onnx__RotaryEmbedding.html
///
/// `X` is (B, H, S, D), or (B, S, H·D) with `num_heads`; `cos_cache`/`sin_cache` are
/// (max_position, R/2) indexed by `position_ids` (B, S), or (B, S, R/2) without them. The first
/// R = `rotary_embedding_dim` (default D) features of each head are rotated: pairs are
/// (i, i + R/2), or (2i, 2i + 1) when `interleaved`; the rest pass through. Output like `X`.
struct RotaryEmbedding: Operator {
    let interleaved: Bool
    let rotaryDim: Int
    let numHeads: Int

    init(_ context: OpContext) throws {
        interleaved = try context.node.int("interleaved", default: 0) != 0
        rotaryDim = try context.node.int("rotary_embedding_dim", default: 0)
        numHeads = try context.node.int("num_heads", default: 0)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let cos = try inputs.required(1)
        let sin = try inputs.required(2)
        let positions = try inputs.optional(3).map { try ShapeSupport.ints($0, "position_ids") }
        let (b, h, s, d): (Int, Int, Int, Int)
        switch x.rank {
        case 4: (b, h, s, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        case 3:
            guard numHeads > 0, x.shape[2] % numHeads == 0 else {
                throw OpError("3-D input \(x.shape) needs num_heads dividing its last axis, got \(numHeads)")
            }
            (b, h, s, d) = (x.shape[0], numHeads, x.shape[1], x.shape[2] / numHeads)
        default: throw OpError("input must be (B, H, S, D) or (B, S, H*D), got \(x.shape)")
        }
        let r = rotaryDim == 0 ? d : rotaryDim
        guard r % 2 == 0, r <= d else {
            throw OpError("rotary_embedding_dim \(r) must be even and at most the head size \(d)")
        }
        let half = r / 2
        if let positions {
            guard positions.count == b * s, cos.rank == 2, cos.shape == sin.shape, cos.shape[1] == half else {
                throw OpError(
                    "with position_ids (\(b)×\(s)), cos/sin caches must be (max_position, \(half)), got \(cos.shape) and \(sin.shape)"
                )
            }
            if let bad = positions.first(where: { $0 < 0 || $0 >= cos.shape[0] }) {
                throw OpError("position id \(bad) is outside the caches' \(cos.shape[0]) positions")
            }
        } else {
            guard cos.shape == [b, s, half], sin.shape == cos.shape else {
                throw OpError(
                    "without position_ids, cos/sin caches must be [\(b), \(s), \(half)], got \(cos.shape) and \(sin.shape)"
                )
            }
        }
        let kernel = Kernel(
            x: x, cos: cos, sin: sin, positions: positions, b: b, h: h, s: s, d: d, half: half,
            interleaved: interleaved, headsFirst: x.rank == 4)
        return [try kernel.dispatch(x.dtype, "RotaryEmbedding")]
    }

    private struct Kernel: FloatBody {
        let x, cos, sin: Tensor
        let positions: [Int]?
        let b, h, s, d, half: Int
        let interleaved, headsFirst: Bool

        func run<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
            var y = try MiscSupport.elements(x, as: T.self)
            let cosines = try MiscSupport.elements(cos, as: T.self)
            let sines = try MiscSupport.elements(sin, as: T.self)
            for bi in 0..<b {
                for si in 0..<s {
                    let row = (positions?[bi * s + si] ?? bi * s + si) * half
                    for hi in 0..<h {
                        let base = headsFirst ? ((bi * h + hi) * s + si) * d : ((bi * s + si) * h + hi) * d
                        for i in 0..<half {
                            let (p, q) =
                                interleaved ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + half + i)
                            let (x1, x2) = (y[p], y[q])
                            let (c, sn) = (cosines[row + i], sines[row + i])
                            y[p] = c * x1 - sn * x2
                            y[q] = sn * x1 + c * x2
                        }
                    }
                }
            }
            return try MiscSupport.result(y, x.dtype, x.shape)
        }
    }
}
