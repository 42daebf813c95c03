import GraphIR
import Kernels
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Attention (opset 23–25): scaled dot-product attention with multi-head, grouped-query and
/// multi-query layouts, an optional boolean or additive mask, causal and sliding-window
/// masking, soft capping, a key/value cache (past_key/past_value in, present_key/present_value
/// out) or an external cache length (nonpad_kv_seqlen), and the optional qk_matmul_output.
/// https://onnx.ai/onnx/operators/onnx__Attention.html
///
/// 4-D: Q is (B, Hq, Sq, D), K is (B, Hkv, Skv, D), V is (B, Hkv, Skv, Dv), Y is (B, Hq, Sq, Dv).
/// 3-D: Q is (B, Sq, Hq·D), K (B, Skv, Hkv·D), V (B, Skv, Hkv·Dv), Y (B, Sq, Hq·Dv), with the
/// head counts from q_num_heads and kv_num_heads. Query head h reads key/value head
/// h / (Hq / Hkv). past_key is (B, Hkv, P, D), present_key (B, Hkv, P + Skv, D) (likewise for
/// values); qk_matmul_output is (B, Hq, Sq, P + Skv).
///
/// Per (batch, head): scores = scale·Q·Kᵀ, soft capped, plus the bias (mask, causal and window
/// limits as −∞, keys past nonpad_kv_seqlen as −∞), softmax per row, then Y = P·V. A row whose
/// bias is −∞ everywhere has no key to attend and gives zeros, not NaN.
struct AttentionOp: Operator {
    let isCausal: Bool
    let qNumHeads: Int?
    let kvNumHeads: Int?
    let scale: Float?
    let softcap: Float
    let outputMode: Int
    let leftWindow: Int
    let rightWindow: Int
    let outputCount: Int

    init(_ context: OpContext) throws {
        let node = context.node
        isCausal = try node.int("is_causal", default: 0) != 0
        qNumHeads = try node.int("q_num_heads")
        kvNumHeads = try node.int("kv_num_heads")
        scale = try node.float("scale")
        softcap = try node.float("softcap", default: 0)
        outputMode = try node.int("qk_matmul_output_mode", default: 0)
        leftWindow = try node.int("left_window_size", default: -1)
        rightWindow = try node.int("right_window_size", default: -1)
        outputCount = node.outputs.count
        guard (0...3).contains(outputMode) else {
            throw OpError("Attention: qk_matmul_output_mode must be 0, 1, 2 or 3, got \(outputMode)")
        }
        guard leftWindow >= -1, rightWindow >= -1 else {
            throw OpError(
                "Attention: left_window_size (\(leftWindow)) and right_window_size (\(rightWindow)) must be -1 or nonnegative"
            )
        }
        for (name, heads) in [("q_num_heads", qNumHeads), ("kv_num_heads", kvNumHeads)] {
            if let heads, heads < 1 { throw OpError("Attention: \(name) must be positive, got \(heads)") }
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let q = try inputs.required(0)
        let k = try inputs.required(1)
        let v = try inputs.required(2)
        let layout = try AttentionLayout(
            q: q.shape, k: k.shape, v: v.shape, qNumHeads: qNumHeads, kvNumHeads: kvNumHeads)
        let pastKey = inputs.optional(4)
        let pastValue = inputs.optional(5)
        let nonpad = inputs.optional(6)
        guard (pastKey == nil) == (pastValue == nil) else {
            throw OpError("Attention: past_key and past_value must be given together")
        }
        guard pastKey == nil || nonpad == nil else {
            throw OpError("Attention: nonpad_kv_seqlen cannot be combined with past_key/past_value")
        }
        let presentKey = try layout.present(k, past: pastKey, headSize: layout.headSize, "key")
        let presentValue = try layout.present(v, past: pastValue, headSize: layout.valueHeadSize, "value")
        let total = presentKey.shape[2]
        let pastLength = total - layout.kvLength

        var offsets = [Int](repeating: pastLength, count: layout.batch)
        var validKeys = [Int](repeating: total, count: layout.batch)
        if let nonpad {
            let lengths = try ShapeSupport.ints(nonpad, "Attention nonpad_kv_seqlen")
            guard lengths.count == layout.batch else {
                throw OpError(
                    "Attention: nonpad_kv_seqlen must have \(layout.batch) elements (one per batch), got shape \(MathSupport.text(nonpad.shape))"
                )
            }
            validKeys = lengths
            offsets = lengths.map { $0 - layout.qLength }
        }
        let mask = try inputs.optional(3).map { mask throws(OpError) in
            try AttentionMask(
                mask, batch: layout.batch, heads: layout.qHeads, queries: layout.qLength, keys: total)
        }
        let bias = AttentionBias(
            mask: mask, isCausal: isCausal, leftWindow: leftWindow, rightWindow: rightWindow,
            offsets: offsets, validKeys: validKeys, queries: layout.qLength, keys: total)

        // bfloat16 follows the ONNX reference, which computes in bfloat16 step by step: Q and
        // K are pre-scaled by √scale and every intermediate is rounded to bfloat16 (matrix
        // products accumulate in float32). Computing in float32 throughout differs by an ulp.
        let rounding: ((Float) -> Float)? = q.dtype == .bfloat16 ? { BFloat16($0).floatValue } : nil
        let scaleValue = Double(scale ?? 1 / Float(layout.headSize).squareRoot())
        var qf = try NNSupport.floats(q, "Attention", "Q")
        var kf = try NNSupport.floats(presentKey, "Attention", "K")
        var alpha = Float(scaleValue)
        if let rounding {
            let root = rounding(Float(scaleValue.squareRoot()))
            qf = try roundedProduct(qf, root, rounding)
            kf = try roundedProduct(kf, root, rounding)
            alpha = 1
        }
        let vf = try NNSupport.floats(presentValue, "Attention", "V")
        var y = try ShapeSupport.allocate(.float32, layout.outputShape)
        let wantsScores = outputCount > 3
        var scoresOut = try ShapeSupport.allocate(
            .float32, wantsScores ? [layout.batch, layout.qHeads, layout.qLength, total] : [0])
        try MathSupport.checkBLAS(
            "Attention",
            [
                layout.qLength, total, layout.headSize, layout.valueHeadSize,
                layout.qRowStride, layout.yRowStride,
            ])
        let (softcap, outputMode) = (self.softcap, self.outputMode)
        let plane = layout.qLength * total
        try NNSupport.withScratch(2 * plane, "Attention") { scratch in
            let scores = scratch
            let biasRow = scratch + plane
            qf.withUnsafeBufferPointer(of: Float.self) { pq in
                kf.withUnsafeBufferPointer(of: Float.self) { pk in
                    vf.withUnsafeBufferPointer(of: Float.self) { pv in
                        y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                            scoresOut.withUnsafeMutableBufferPointer(of: Float.self) { ps in
                                for b in 0..<layout.batch {
                                    for h in 0..<layout.qHeads {
                                        let kvHead = h / (layout.qHeads / layout.kvHeads)
                                        let kvIndex = b * layout.kvHeads + kvHead
                                        // scores (Sq, L) = alpha · Q_bh (Sq, D) · K_bh (L, D)ᵀ
                                        Kernels.sgemm(
                                            transA: false, transB: true, m: layout.qLength, n: total,
                                            k: layout.headSize,
                                            alpha: alpha, a: pq.baseAddress! + layout.qOffset(b, h),
                                            lda: layout.qRowStride,
                                            b: pk.baseAddress! + kvIndex * total * layout.headSize,
                                            ldb: max(layout.headSize, 1),
                                            beta: 0, c: scores, ldc: max(total, 1))
                                        let r = rounding ?? { $0 }
                                        if rounding != nil { for i in 0..<plane { scores[i] = r(scores[i]) } }
                                        // Mode 0 is the raw product, as the spec and onnxruntime have it (the
                                        // ONNX reference records it after the soft cap).
                                        let record =
                                            wantsScores
                                            ? ps.baseAddress! + (b * layout.qHeads + h) * plane : nil
                                        if let record, outputMode == 0 {
                                            record.update(from: scores, count: plane)
                                        }
                                        if softcap > 0 {
                                            for i in 0..<plane {
                                                scores[i] = r(softcap * r(tanhf(r(scores[i] / softcap))))
                                            }
                                        }
                                        if let record, outputMode == 1 {
                                            record.update(from: scores, count: plane)
                                        }
                                        bias.fill(biasRow, batch: b, head: h)
                                        for i in 0..<plane { scores[i] = r(scores[i] + biasRow[i]) }
                                        if let record, outputMode == 2 {
                                            record.update(from: scores, count: plane)
                                        }
                                        for row in 0..<layout.qLength {
                                            softmaxGuarded(
                                                scores + row * total, bias: biasRow + row * total,
                                                count: total,
                                                rounding: rounding)
                                        }
                                        if let record, outputMode == 3 {
                                            record.update(from: scores, count: plane)
                                        }
                                        // Y_bh (Sq, Dv) = P (Sq, L) · V_bh (L, Dv)
                                        Kernels.sgemm(
                                            transA: false, transB: false, m: layout.qLength,
                                            n: layout.valueHeadSize, k: total,
                                            alpha: 1, a: scores, lda: max(total, 1),
                                            b: pv.baseAddress! + kvIndex * total * layout.valueHeadSize,
                                            ldb: max(layout.valueHeadSize, 1),
                                            beta: 0, c: py.baseAddress! + layout.yOffset(b, h),
                                            ldc: layout.yRowStride)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var outputs = [try NNSupport.restore(y, to: q.dtype)]
        if outputCount > 1 { outputs.append(presentKey) }
        if outputCount > 2 { outputs.append(presentValue) }
        if wantsScores { outputs.append(try NNSupport.restore(scoresOut, to: q.dtype)) }
        return outputs
    }
}

/// Softmax of one row in place; a row whose bias is −∞ everywhere (no key may be attended)
/// becomes zeros instead of NaN. With `rounding`, every step rounds as the reference's
/// bfloat16 arithmetic does (its sum accumulates in bfloat16, left to right).
private func softmaxGuarded(
    _ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, count: Int, rounding: ((Float) -> Float)?
) {
    var anyAllowed = false
    for j in 0..<count where bias[j] != -.infinity {
        anyAllowed = true
        break
    }
    guard anyAllowed else {
        row.update(repeating: 0, count: count)
        return
    }
    let r = rounding ?? { $0 }
    var maximum = -Float.infinity
    for j in 0..<count {
        // NaN propagates to the whole row, as numpy's max does.
        if row[j].isNaN || row[j] > maximum { maximum = row[j] }
        if maximum.isNaN { break }
    }
    if maximum == -.infinity { maximum = 0 }
    var sum: Float = 0
    for j in 0..<count {
        let e = r(expf(r(row[j] - maximum)))
        row[j] = e
        sum = r(sum + e)
    }
    if sum == 0 { sum = 1 }
    for j in 0..<count { row[j] = r(row[j] / sum) }
}

/// `rounding(x · factor)` for every element of a float32 tensor.
private func roundedProduct(_ x: Tensor, _ factor: Float, _ rounding: (Float) -> Float) throws(OpError)
    -> Tensor
{
    var out = try ShapeSupport.allocate(.float32, x.shape)
    x.withUnsafeBufferPointer(of: Float.self) { px in
        out.withUnsafeMutableBufferPointer(of: Float.self) { po in
            for i in 0..<px.count { po[i] = rounding(px[i] * factor) }
        }
    }
    return out
}
