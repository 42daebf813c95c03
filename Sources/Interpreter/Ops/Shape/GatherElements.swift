import GraphIR
import TensorCore

/// GatherElements: `output[i][j][k] = data[indices[i][j][k]][j][k]` for `axis` 0, and so on.
///
/// https://onnx.ai/onnx/operators/onnx__GatherElements.html
///
/// `data` and `indices` have the same rank r; `indices` dims are ≤ `data` dims off `axis`;
/// output has `indices`' shape. Negative indices count from the end of `axis`.
struct GatherElements: Operator {
    let axis: Int

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: 0)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let indicesTensor = try inputs.required(1)
        let axis = try ShapeSupport.axis(axis, rank: data.rank)
        try Self.checkShapes(data: data.shape, indices: indicesTensor.shape, axis: axis, op: "GatherElements")
        let indices = try Gather.normalized(
            try ShapeSupport.ints(indicesTensor, "indices"), dim: data.shape[axis],
            what: "axis \(axis) of data \(data.shape)")
        var output = try ShapeSupport.allocate(data.dtype, indicesTensor.shape)
        let size = data.dtype.byteSize
        let offsets = Self.dataOffsets(
            indices: indices, shape: indicesTensor.shape, data: data.shape, axis: axis)
        StridedCopy.withBuffers(data, &output) { source, destination in
            for (i, offset) in offsets.enumerated() {
                (destination + i * size).copyMemory(from: source + offset * size, byteCount: size)
            }
        }
        return [output]
    }

    /// Same rank, and every dim of `indices` off `axis` within `data`'s.
    static func checkShapes(data: [Int], indices: [Int], axis: Int, op: String) throws(OpError) {
        guard data.count == indices.count,
            indices.indices.allSatisfy({ $0 == axis || indices[$0] <= data[$0] })
        else {
            throw OpError(
                "\(op) indices of shape \(indices) do not fit data \(data) on axis \(axis) "
                    + "(expected the same rank and dims no larger than data's off the axis)")
        }
    }

    /// For each position of `indices` (row-major), the element offset into `data` it addresses:
    /// its own coordinates, with the coordinate on `axis` replaced by the index.
    static func dataOffsets(indices: [Int], shape: [Int], data: [Int], axis: Int) -> [Int] {
        let strides = Shape.strides(data)
        var coordinate = [Int](repeating: 0, count: shape.count)
        var base = 0  // offset of `coordinate` in data, axis coordinate excluded
        var result = [Int](repeating: 0, count: indices.count)
        for i in indices.indices {
            result[i] = base + indices[i] * strides[axis]
            var a = shape.count - 1
            while a >= 0 {
                coordinate[a] += 1
                if a != axis { base += strides[a] }
                if coordinate[a] < shape[a] { break }
                if a != axis { base -= strides[a] * shape[a] }
                coordinate[a] = 0
                a -= 1
            }
        }
        return result
    }
}
