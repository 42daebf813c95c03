import GraphIR
import TensorCore

/// Expand: broadcasts `input` against `shape`, NumPy style in both directions.
///
/// https://onnx.ai/onnx/operators/onnx__Expand.html
///
/// `input` (a…), `shape` int64 (b…) → broadcast((a…), (b…)); a dim of 1 in `shape` keeps the
/// input's dim. Broadcast axes are read with stride 0.
struct Expand: Operator {
    init(_ context: OpContext) {}

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let requested = try ShapeSupport.ints(try inputs.required(1), "shape")
        if let negative = requested.first(where: { $0 < 0 }) {
            throw OpError("shape \(requested) has a negative dim \(negative)")
        }
        let shape: [Int]
        do { shape = try Shape.broadcast(input.shape, requested) } catch {
            throw OpError(
                "input of shape \(input.shape) cannot be expanded to \(requested): "
                    + "each dim must match or one of them be 1")
        }
        return [try Self.apply(input, to: shape)]
    }

    /// `input` broadcast to `shape` (which `input.shape` broadcasts to).
    static func apply(_ input: Tensor, to shape: [Int]) throws(OpError) -> Tensor {
        if shape == input.shape { return input }
        if input.count == (try ShapeSupport.product(shape)) { return try ShapeSupport.reshaped(input, shape) }
        var output = try ShapeSupport.allocate(input.dtype, shape)
        StridedCopy.withBuffers(input, &output) { source, destination in
            StridedCopy.copy(
                shape: shape, elementSize: input.dtype.byteSize,
                from: source, strides: Shape.broadcastStrides(input.shape, to: shape),
                to: destination, strides: Shape.strides(shape))
        }
        return output
    }
}
