import GraphIR
import TensorCore

/// TensorScatter: writes `update` into a copy of a key/value cache at per-batch positions.
///
/// https://onnx.ai/onnx/operators/onnx__TensorScatter.html
///
/// `past_cache` (B, …, max_len, …) with the sequence on `axis` (default −2), `update` of the
/// same shape except `seq_len` ≤ max_len on `axis`, optional `write_indices` int64 (B)
/// (default zeros) → `present_cache` like `past_cache`, where batch b's update lands at
/// positions write_indices[b] + s; mode `circular` wraps them modulo max_len, `linear` (the
/// default) requires them to fit.
struct TensorScatter: Operator {
    let axis: Int
    let circular: Bool

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: -2)
        let mode = try context.node.string("mode", default: "linear")
        guard mode == "linear" || mode == "circular" else {
            throw OpError("mode must be linear or circular, got '\(mode)'")
        }
        circular = mode == "circular"
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let cache = try inputs.required(0)
        let update = try inputs.required(1)
        let axis = try ShapeSupport.axis(axis, rank: cache.rank)
        guard axis > 0, update.rank == cache.rank, update.dtype == cache.dtype,
            (0..<cache.rank).allSatisfy({ $0 == axis || update.shape[$0] == cache.shape[$0] }),
            update.shape[axis] <= cache.shape[axis]
        else {
            throw OpError(
                "update \(update.dtype) \(update.shape) does not fit cache \(cache.dtype) \(cache.shape) on axis \(axis) (which must not be the batch axis)"
            )
        }
        let batch = cache.shape[0]
        let starts =
            try inputs.optional(2).map { try ShapeSupport.ints($0, "write_indices") }
            ?? [Int](repeating: 0, count: batch)
        guard starts.count == batch else {
            throw OpError("write_indices has \(starts.count) entries for a batch of \(batch)")
        }
        let (outer, maxLength, inner) = MiscSupport.around(cache.shape, axis: axis)
        let length = update.shape[axis]
        let perBatch = outer / max(batch, 1)
        var output = cache
        let size = cache.dtype.byteSize
        try output.withUnsafeMutableRawBytes { dst in
            try update.withUnsafeRawBytes { src in
                guard let to = dst.baseAddress, let from = src.baseAddress else { return }
                for o in 0..<outer {
                    let b = o / perBatch
                    for s in 0..<length {
                        var position = starts[b] + s
                        if circular { position = ((position % maxLength) + maxLength) % maxLength }
                        guard position >= 0 && position < maxLength else {
                            throw OpError(
                                "write position \(position) for batch \(b) is outside [0, \(maxLength))")
                        }
                        (to + ((o * maxLength + position) * inner) * size)
                            .copyMemory(
                                from: from + ((o * length + s) * inner) * size, byteCount: inner * size)
                    }
                }
            }
        }
        return [output]
    }
}
