import GraphIR
import TensorCore

/// GatherND: picks slices of `data` addressed by index tuples.
///
/// https://onnx.ai/onnx/operators/onnx__GatherND.html
///
/// With b = `batch_dims` (opset 12): `data` (B…, d(b)…d(r-1)), `indices` (B…, m…, k) with
/// k ≤ r - b → output (B…, m…, d(b+k)…d(r-1)). Each tuple of k indices (negative ones count from
/// the end) selects one contiguous slice of d(b+k)·…·d(r-1) elements within its batch.
struct GatherND: Operator {
    let batchDims: Int

    init(_ context: OpContext) throws {
        batchDims = try context.node.int("batch_dims", default: 0)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let indicesTensor = try inputs.required(1)
        let b = batchDims
        let q = indicesTensor.rank
        guard q >= 1, b >= 0, b < q, b < data.rank, let k = indicesTensor.shape.last, k <= data.rank - b,
            Array(data.shape[..<b]) == Array(indicesTensor.shape[..<b])
        else {
            throw OpError(
                "GatherND indices of shape \(indicesTensor.shape) do not fit data \(data.shape) with "
                    + "batch_dims \(b) (expected indices rank > batch_dims, matching batch dims, "
                    + "and last dim ≤ data rank - batch_dims)")
        }
        let indices = try ShapeSupport.ints(indicesTensor, "indices")
        let shape = Array(indicesTensor.shape.dropLast()) + Array(data.shape[(b + k)...])
        // Allocated before the offsets: it refuses absurd shapes first.
        var output = try ShapeSupport.allocate(data.dtype, shape)
        if output.count == 0 { return [output] }
        let size = data.dtype.byteSize
        let strides = Shape.strides(data.shape)
        let batches = try ShapeSupport.product(data.shape[..<b])
        let batchStride = b == 0 ? 0 : strides[b - 1]
        let tuplesPerBatch = try ShapeSupport.product(indicesTensor.shape[b..<(q - 1)])
        let blockBytes = try ShapeSupport.product(data.shape[(b + k)...]) * size
        // Element offsets of every block, validated before any byte moves.
        var offsets: [Int] = []
        offsets.reserveCapacity(batches * tuplesPerBatch)
        for batch in 0..<batches {
            for t in 0..<tuplesPerBatch {
                let tuple = (batch * tuplesPerBatch + t) * k
                var offset = batch * batchStride
                for j in 0..<k {
                    let dim = data.shape[b + j]
                    let raw = indices[tuple + j]
                    guard raw >= -dim && raw < dim else {
                        throw OpError(
                            "index \(raw) (tuple \(batch * tuplesPerBatch + t), entry \(j)) is out of range "
                                + "for axis \(b + j) of data \(data.shape) (expected \(-dim)...\(dim - 1))")
                    }
                    offset += (raw < 0 ? raw + dim : raw) * strides[b + j]
                }
                offsets.append(offset)
            }
        }
        StridedCopy.withBuffers(data, &output) { source, destination in
            for (i, offset) in offsets.enumerated() {
                (destination + i * blockBytes).copyMemory(from: source + offset * size, byteCount: blockBytes)
            }
        }
        return [output]
    }
}
