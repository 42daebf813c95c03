import GraphIR
import TensorCore

/// Concat: joins tensors along `axis`.
///
/// https://onnx.ai/onnx/operators/onnx__Concat.html
///
/// inputs (…, a_i, …) that agree on every other dim → (…, Σ a_i, …). `axis` may be negative
/// (opset 11); before opset 4 it was optional with default 1. As in ONNX Runtime, an input with
/// no elements whose shape does not fit is skipped (exporters emit empty 1-D placeholders).
struct Concat: Operator {
    let axis: Int

    init(_ context: OpContext) throws {
        let node = context.node
        axis = context.opset < 4 ? try node.int("axis", default: 1) : try node.required("axis", node.int)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let tensors = try inputs.indices.map { i throws(OpError) in try inputs.required(i) }
        guard let first = tensors.first else { throw OpError("Concat needs at least one input") }
        let reference = tensors.first { $0.count > 0 } ?? first
        let axis = try ShapeSupport.axis(axis, rank: reference.rank)
        func fits(_ t: Tensor) -> Bool {
            t.rank == reference.rank
                && t.shape.indices.allSatisfy { $0 == axis || t.shape[$0] == reference.shape[$0] }
        }
        var parts: [Tensor] = []
        for (i, t) in tensors.enumerated() {
            guard t.dtype == reference.dtype else {
                throw OpError("input \(i) is \(t.dtype), expected \(reference.dtype) like the other inputs")
            }
            if fits(t) {
                parts.append(t)
            } else if t.count > 0 {
                throw OpError(
                    "input \(i) has shape \(t.shape), expected \(reference.shape) except on axis \(axis) "
                        + "(input shapes: \(tensors.map(\.shape)))")
            }
        }
        var shape = reference.shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        var output = try ShapeSupport.allocate(reference.dtype, shape)
        // Each part is a block (outer, a_i · inner) written at column offset Σ a_j · inner.
        let outer = try ShapeSupport.product(shape[..<axis])
        let inner = try ShapeSupport.product(shape[(axis + 1)...])
        let rowLength = shape[axis] * inner
        var column = 0
        for part in parts {
            let width = part.shape[axis] * inner
            StridedCopy.withBuffers(part, &output) { source, destination in
                StridedCopy.copy(
                    shape: [outer, width], elementSize: part.dtype.byteSize,
                    from: source, strides: [width, 1],
                    to: destination + column * part.dtype.byteSize, strides: [rowLength, 1])
            }
            column += width
        }
        return [output]
    }
}
