import GraphIR
import TensorCore

/// Transpose: permutes the axes of `data`.
///
/// https://onnx.ai/onnx/operators/onnx__Transpose.html
///
/// `data` (d0…dn) → (d[perm[0]]…d[perm[n]]); `perm` defaults to the reversed axes. On the hot
/// path of attention (perm [0,2,1,3] on (B,S,H,D)) the innermost axis stays in place, so the
/// strided copy moves whole rows of D elements at a time.
struct Transpose: Operator {
    let perm: [Int]?

    init(_ context: OpContext) throws {
        perm = try context.node.ints("perm")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        return [try Self.apply(data, perm: try resolvedPerm(data.shape))]
    }

    /// `perm`, or the reversed axes, checked against an input of shape `shape`.
    private func resolvedPerm(_ shape: [Int]) throws(OpError) -> [Int] {
        let perm = perm ?? Array((0..<shape.count).reversed())
        guard perm.count == shape.count, perm.sorted() == Array(0..<shape.count) else {
            throw OpError(
                "perm \(perm) is not a permutation of the axes of input \(shape) (rank \(shape.count))")
        }
        return perm
    }

    /// `data` with its axes permuted by `perm` (a valid permutation of its axes).
    static func apply(_ data: Tensor, perm: [Int]) throws(OpError) -> Tensor {
        let shape = perm.map { data.shape[$0] }
        // When the axes longer than 1 keep their order, the bytes are already in output order.
        let moved = perm.filter { data.shape[$0] != 1 }
        if moved == moved.sorted() { return try ShapeSupport.reshaped(data, shape) }
        let strides = Shape.strides(data.shape)
        var output = try ShapeSupport.allocate(data.dtype, shape)
        StridedCopy.withBuffers(data, &output) { source, destination in
            StridedCopy.copy(
                shape: shape, elementSize: data.dtype.byteSize,
                from: source, strides: perm.map { strides[$0] },
                to: destination, strides: Shape.strides(shape))
        }
        return output
    }
}

extension Transpose: ViewOperator {
    func view(of input: StridedView, _ inputs: [Tensor?], output: Int) throws -> StridedView? {
        input.transposed(try resolvedPerm(input.shape))
    }
}
