import GraphIR
import TensorCore

/// The shapes of one Attention call: head counts, sequence lengths, head sizes, and where
/// each (batch, head) block of Q and Y lives in the 3-D or 4-D layout.
struct AttentionLayout {
    let batch: Int, qHeads: Int, kvHeads: Int
    let qLength: Int, kvLength: Int
    let headSize: Int, valueHeadSize: Int
    let threeD: Bool

    init(q: [Int], k: [Int], v: [Int], qNumHeads: Int?, kvNumHeads: Int?) throws(OpError) {
        let shapes = "Q \(MathSupport.text(q)), K \(MathSupport.text(k)), V \(MathSupport.text(v))"
        guard q.count == 3 || q.count == 4, k.count == q.count, v.count == q.count else {
            throw OpError("Attention: Q, K and V must all be 3-D or all 4-D; got \(shapes)")
        }
        guard k[0] == q[0], v[0] == q[0] else { throw OpError("Attention: batch sizes differ: \(shapes)") }
        batch = q[0]
        threeD = q.count == 3
        if threeD {
            guard let qNumHeads, let kvNumHeads else {
                throw OpError("Attention: 3-D inputs need the q_num_heads and kv_num_heads attributes")
            }
            guard q[2] % qNumHeads == 0, k[2] % kvNumHeads == 0, v[2] % kvNumHeads == 0 else {
                throw OpError(
                    "Attention: hidden sizes of \(shapes) are not divisible by q_num_heads \(qNumHeads) / kv_num_heads \(kvNumHeads)"
                )
            }
            (qHeads, kvHeads) = (qNumHeads, kvNumHeads)
            (qLength, kvLength) = (q[1], k[1])
            headSize = q[2] / qNumHeads
            valueHeadSize = v[2] / kvNumHeads
            guard k[2] / kvNumHeads == headSize, v[1] == kvLength else {
                throw OpError(
                    "Attention: K must have head size \(headSize) like Q and V the sequence length of K; got \(shapes) with q_num_heads \(qNumHeads), kv_num_heads \(kvNumHeads)"
                )
            }
        } else {
            (qHeads, kvHeads) = (q[1], k[1])
            (qLength, kvLength) = (q[2], k[2])
            (headSize, valueHeadSize) = (q[3], v[3])
            guard k[3] == headSize, v[1] == kvHeads, v[2] == kvLength else {
                throw OpError(
                    "Attention: K must be (B, Hkv, Skv, \(headSize)) and V (B, Hkv, Skv, Dv); got \(shapes)")
            }
        }
        guard kvHeads >= 1, qHeads % kvHeads == 0 else {
            throw OpError(
                "Attention: the \(qHeads) query heads must be a multiple of the \(kvHeads) key/value heads")
        }
    }

    var outputShape: [Int] {
        threeD ? [batch, qLength, qHeads * valueHeadSize] : [batch, qHeads, qLength, valueHeadSize]
    }

    /// Elements between consecutive query rows of one head in Q.
    var qRowStride: Int { max(1, threeD ? qHeads * headSize : headSize) }
    func qOffset(_ b: Int, _ h: Int) -> Int {
        threeD ? b * qLength * qHeads * headSize + h * headSize : (b * qHeads + h) * qLength * headSize
    }

    var yRowStride: Int { max(1, threeD ? qHeads * valueHeadSize : valueHeadSize) }
    func yOffset(_ b: Int, _ h: Int) -> Int {
        threeD
            ? b * qLength * qHeads * valueHeadSize + h * valueHeadSize
            : (b * qHeads + h) * qLength * valueHeadSize
    }

    /// K or V as (B, Hkv, P + Skv, size) with the cache `past` (B, Hkv, P, size) in front.
    func present(_ current: Tensor, past: Tensor?, headSize size: Int, _ what: String) throws(OpError)
        -> Tensor
    {
        var fresh = current
        if threeD {
            let split = try ShapeSupport.reshaped(current, [batch, kvLength, kvHeads, size])
            fresh = try MathSupport.permuted(split, [0, 2, 1, 3])
        }
        guard let past else { return fresh }
        guard past.rank == 4, past.shape[0] == batch, past.shape[1] == kvHeads, past.shape[3] == size,
            past.dtype == current.dtype
        else {
            throw OpError(
                "Attention: past_\(what) must be \(current.dtype) (\(batch), \(kvHeads), P, \(size)), got \(past.dtype) \(MathSupport.text(past.shape))"
            )
        }
        let pastLength = past.shape[2]
        var out = try ShapeSupport.allocate(current.dtype, [batch, kvHeads, pastLength + kvLength, size])
        let element = current.dtype.byteSize
        let (pastBlock, freshBlock) = (pastLength * size * element, kvLength * size * element)
        past.withUnsafeRawBytes { pp in
            fresh.withUnsafeRawBytes { pf in
                out.withUnsafeMutableRawBytes { po in
                    for block in 0..<(batch * kvHeads) {
                        let destination = po.baseAddress! + block * (pastBlock + freshBlock)
                        destination.copyMemory(
                            from: pp.baseAddress! + block * pastBlock, byteCount: pastBlock)
                        (destination + pastBlock).copyMemory(
                            from: pf.baseAddress! + block * freshBlock, byteCount: freshBlock)
                    }
                }
            }
        }
        return out
    }
}

/// attn_mask as an additive bias readable at any (batch, head, query, key): a boolean mask
/// becomes 0 (attend) or −∞, a float mask is added as is. The mask broadcasts right-aligned to
/// (B, Hq, Sq, keys); keys beyond its last axis are masked out.
struct AttentionMask {
    private let values: [Float]
    private let strides: [Int]
    private let length: Int

    init(_ mask: Tensor, batch: Int, heads: Int, queries: Int, keys: Int) throws(OpError) {
        let target = [batch, heads, queries]
        guard (1...4).contains(mask.rank), mask.shape.last ?? 0 <= keys else {
            throw OpError(
                "Attention: attn_mask of shape \(MathSupport.text(mask.shape)) does not broadcast to \(MathSupport.text(target + [keys]))"
            )
        }
        length = mask.shape[mask.rank - 1]
        let full = target + [length]
        let aligned = Array(repeating: 1, count: 4 - mask.rank) + mask.shape
        guard zip(aligned, full).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw OpError(
                "Attention: attn_mask of shape \(MathSupport.text(mask.shape)) does not broadcast to \(MathSupport.text(target + [keys]))"
            )
        }
        strides = Shape.broadcastStrides(aligned, to: full)
        switch mask.dtype {
        case .bool: values = mask.scalars(as: Bool.self).map { $0 ? 0 : -.infinity }
        case let dtype where dtype.isFloatingPoint:
            values = try MathSupport.cast(mask, to: .float32).scalars(as: Float.self)
        default:
            throw OpError("Attention: attn_mask must be bool or float, got \(mask.dtype)")
        }
    }

    func value(_ b: Int, _ h: Int, _ i: Int, _ j: Int) -> Float {
        j < length ? values[b * strides[0] + h * strides[1] + i * strides[2] + j * strides[3]] : -.infinity
    }
}

/// Everything added to the scores before the softmax: the mask, the causal limit
/// (key j ≤ query i + offset), the sliding window and the external-cache padding.
struct AttentionBias {
    let mask: AttentionMask?
    let isCausal: Bool
    let leftWindow: Int, rightWindow: Int
    /// Valid keys before the query block, per batch: the past length, or nonpad_kv_seqlen − Sq.
    let offsets: [Int]
    /// Keys at or past this index are padding, per batch.
    let validKeys: [Int]
    let queries: Int, keys: Int

    /// Writes the (queries, keys) bias of one batch and query head.
    func fill(_ out: UnsafeMutablePointer<Float>, batch b: Int, head h: Int) {
        let offset = offsets[b]
        for i in 0..<queries {
            let position = i + offset
            for j in 0..<keys {
                var allowed = j < validKeys[b]
                if isCausal && j > position { allowed = false }
                if leftWindow >= 0 && position - j > leftWindow { allowed = false }
                if rightWindow >= 0 && j - position > rightWindow { allowed = false }
                out[i * keys + j] = allowed ? (mask?.value(b, h, i, j) ?? 0) : -.infinity
            }
        }
    }
}
