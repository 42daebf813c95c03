import GraphIR
import TensorCore

/// OneHot: expands indices into one-hot vectors along a new axis.
///
/// https://onnx.ai/onnx/operators/onnx__OneHot.html
///
/// `indices` (d0…dn, any numeric), `depth` (one element), `values` [off, on] → (… depth …)
/// with the new axis at `axis` (default -1, counted in the output's rank) and `values`' dtype.
/// Indices in [-depth, depth) (negative ones count from the end) are hot; others give all off.
struct OneHot: Operator {
    let axis: Int

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: -1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let indicesTensor = try inputs.required(0)
        let depthTensor = try inputs.required(1)
        let values = try inputs.required(2)
        let depthValues = try depthTensor.doubleValues()
        guard depthValues.count == 1, let depthValue = depthValues.first, depthValue >= 1,
            depthValue <= Double(ShapeSupport.maxOutputBytes)
        else {
            throw OpError(
                "depth must be one positive number, got \(depthValues) (shape \(depthTensor.shape))")
        }
        let depth = Int(depthValue)
        guard values.count == 2 else {
            throw OpError("values must hold [off, on], got shape \(values.shape)")
        }
        let axis = try ShapeSupport.axis(axis, rank: indicesTensor.rank + 1)
        var shape = indicesTensor.shape
        shape.insert(depth, at: axis)
        let indices = try indicesTensor.doubleValues()
        var output = try ShapeSupport.allocate(values.dtype, shape)
        let inner = indicesTensor.shape[axis...].reduce(1, *)
        let size = values.dtype.byteSize
        let count = output.count
        StridedCopy.withBuffers(values, &output) { source, destination in
            StridedCopy.fill(destination, count: count, elementSize: size, value: source)
            for (position, raw) in indices.enumerated() {
                // Indices are truncated to integers first, as ONNX Runtime casts them to int64.
                guard raw.isFinite, raw.magnitude < 0x1p62 else { continue }
                let truncated = Int(raw)
                guard truncated >= -depth, truncated < depth else { continue }
                let index = truncated < 0 ? truncated + depth : truncated
                let (o, i) = position.quotientAndRemainder(dividingBy: inner)
                let at = (o * depth + index) * inner + i
                (destination + at * size).copyMemory(from: source + size, byteCount: size)
            }
        }
        return [output]
    }
}
