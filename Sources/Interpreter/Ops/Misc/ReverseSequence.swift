import GraphIR
import TensorCore

/// ReverseSequence: reverses the first `sequence_lens[b]` steps of each batch entry.
///
/// https://onnx.ai/onnx/operators/onnx__ReverseSequence.html
///
/// `input` of rank ≥ 2 with batch axis `batch_axis` (default 1) and time axis `time_axis`
/// (default 0, the other of the two), `sequence_lens` int64 (batch) with each length in
/// [0, time] → same shape; steps past a length are copied unchanged.
struct ReverseSequence: Operator {
    let batchAxis: Int
    let timeAxis: Int

    init(_ context: OpContext) throws {
        batchAxis = try context.node.int("batch_axis", default: 1)
        timeAxis = try context.node.int("time_axis", default: 0)
        guard Set([batchAxis, timeAxis]) == [0, 1] else {
            throw OpError(
                "batch_axis and time_axis must be 0 and 1 in some order, got \(batchAxis) and \(timeAxis)")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let lengths = try ShapeSupport.ints(try inputs.required(1), "sequence_lens")
        guard input.rank >= 2 else { throw OpError("input must have rank ≥ 2, got \(input.shape)") }
        let (batch, time) = (input.shape[batchAxis], input.shape[timeAxis])
        guard lengths.count == batch else {
            throw OpError("sequence_lens has \(lengths.count) entries for a batch of \(batch)")
        }
        if let bad = lengths.first(where: { $0 < 0 || $0 > time }) {
            throw OpError("sequence length \(bad) is outside [0, \(time)]")
        }
        let inner = input.shape[2...].reduce(1, *)
        var flat = [Int](repeating: 0, count: input.count)
        for b in 0..<batch {
            for t in 0..<time {
                let source = t < lengths[b] ? lengths[b] - 1 - t : t
                let (to, from) =
                    batchAxis == 1
                    ? ((t * batch + b) * inner, (source * batch + b) * inner)
                    : ((b * time + t) * inner, (b * time + source) * inner)
                for i in 0..<inner { flat[to + i] = from + i }
            }
        }
        return [try MiscSupport.gather(input, flat, shape: input.shape)]
    }
}
