import GraphIR
import TensorCore

/// ScatterElements: a copy of `data` where each element of `updates` lands at the position of
/// its own coordinates with the one on `axis` replaced by its index.
///
/// https://onnx.ai/onnx/operators/onnx__ScatterElements.html
///
/// `data` (rank r), `indices` and `updates` (same shape, rank r, dims ≤ `data`'s off `axis`) →
/// `data`'s shape. Negative indices count from the end; `reduction` as in ScatterND.
struct ScatterElements: Operator {
    let axis: Int
    let reduction: ScatterReduction

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: 0)
        reduction = try ScatterReduction(try context.node.string("reduction", default: "none"))
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let indicesTensor = try inputs.required(1)
        let updates = try inputs.required(2)
        let axis = try ShapeSupport.axis(axis, rank: data.rank)
        guard updates.shape == indicesTensor.shape, updates.dtype == data.dtype else {
            throw OpError(
                "updates are \(updates.dtype) \(updates.shape), expected \(data.dtype) "
                    + "\(indicesTensor.shape) (the shape of indices)")
        }
        try GatherElements.checkShapes(
            data: data.shape, indices: indicesTensor.shape, axis: axis, op: "ScatterElements")
        let indices = try Gather.normalized(
            try ShapeSupport.ints(indicesTensor, "indices"), dim: data.shape[axis],
            what: "axis \(axis) of data \(data.shape)")
        let offsets = GatherElements.dataOffsets(
            indices: indices, shape: indicesTensor.shape, data: data.shape, axis: axis)
        return [try reduction.scatter(updates, into: data, at: offsets, block: 1)]
    }
}
