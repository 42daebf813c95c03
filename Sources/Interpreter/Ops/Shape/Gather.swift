import GraphIR
import TensorCore

/// Gather: picks entries of `data` along `axis` by index.
///
/// https://onnx.ai/onnx/operators/onnx__Gather.html
///
/// `data` (d0…d(axis)…dn), `indices` (i0…ik) int32/int64 → (d0…d(axis-1), i0…ik, d(axis+1)…dn).
/// Negative indices count from the end; out-of-range ones are an error. Each index copies one
/// contiguous block of d(axis+1)·…·dn elements (a whole row for embedding lookups).
struct Gather: Operator {
    let axis: Int

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: 0)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let indicesTensor = try inputs.required(1)
        let axis = try ShapeSupport.axis(axis, rank: data.rank)
        let dim = data.shape[axis]
        let indices = try Self.normalized(
            try ShapeSupport.ints(indicesTensor, "indices"), dim: dim,
            what: "axis \(axis) of data \(data.shape)")
        let shape = Array(data.shape[..<axis]) + indicesTensor.shape + Array(data.shape[(axis + 1)...])
        var output = try ShapeSupport.allocate(data.dtype, shape)
        let outer = try ShapeSupport.product(data.shape[..<axis])
        let blockBytes = try ShapeSupport.product(data.shape[(axis + 1)...]) * data.dtype.byteSize
        StridedCopy.withBuffers(data, &output) { source, destination in
            var d = destination
            for o in 0..<outer {
                let base = source + o * dim * blockBytes
                for index in indices {
                    d.copyMemory(from: base + index * blockBytes, byteCount: blockBytes)
                    d += blockBytes
                }
            }
        }
        return [output]
    }

    /// `indices` with negative entries shifted by `dim`; any outside [-dim, dim) is an error.
    static func normalized(_ indices: [Int], dim: Int, what: String) throws(OpError) -> [Int] {
        var result = indices
        for (i, index) in indices.enumerated() {
            guard index >= -dim && index < dim else {
                throw OpError(
                    "index \(index) (position \(i)) is out of range for \(what) (expected \(-dim)...\(dim - 1))"
                )
            }
            if index < 0 { result[i] = index + dim }
        }
        return result
    }
}
