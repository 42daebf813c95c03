import GraphIR
import TensorCore

/// Compress: the slices along `axis` whose `condition` entry is true.
///
/// https://onnx.ai/onnx/operators/onnx__Compress.html
///
/// `input` (outer, n, inner) around `axis`, `condition` 1-D bool of length ≤ n (missing
/// entries count as false) → (outer, selected, inner). Without `axis` the input is flattened
/// first and the output is 1-D.
struct Compress: Operator {
    let axis: Int?

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let condition = try inputs.required(1)
        guard condition.rank == 1 else {
            throw OpError("condition must be 1-D, got shape \(condition.shape)")
        }
        guard condition.dtype == .bool || condition.dtype.isInteger else {
            throw OpError("condition must be a bool tensor, got \(condition.dtype)")
        }
        let keep = try condition.intValues().map { $0 != 0 }
        let axis = try self.axis.map { try ShapeSupport.axis($0, rank: input.rank) }
        let (outer, n, inner) = axis.map { MiscSupport.around(input.shape, axis: $0) } ?? (1, input.count, 1)
        guard keep.count <= n else {
            throw OpError("condition has \(keep.count) entries, more than the \(n) slices of the input")
        }
        let selected = keep.indices.filter { keep[$0] }
        var shape = [selected.count]
        if let axis {
            shape = input.shape
            shape[axis] = selected.count
        }
        var flat: [Int] = []
        flat.reserveCapacity(outer * selected.count * inner)
        for o in 0..<outer {
            for j in selected {
                for i in 0..<inner { flat.append((o * n + j) * inner + i) }
            }
        }
        return [try MiscSupport.gather(input, flat, shape: shape)]
    }
}
