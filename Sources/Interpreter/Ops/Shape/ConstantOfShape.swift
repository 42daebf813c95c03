import GraphIR
import TensorCore

/// ConstantOfShape: a tensor of the given shape filled with one value.
///
/// https://onnx.ai/onnx/operators/onnx__ConstantOfShape.html
///
/// `input` int64 1-D (the shape; empty gives a scalar) → that shape, every element `value`
/// (a one-element tensor attribute whose dtype is the output's; default float32 0).
struct ConstantOfShape: Operator {
    let value: Tensor

    init(_ context: OpContext) throws {
        let value = try context.node.tensor("value") ?? Tensor(scalar: Float(0))
        guard value.count == 1 else {
            throw OpError("value must hold one element, got shape \(value.shape)")
        }
        self.value = value
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let shape = try ShapeSupport.ints(try inputs.required(0), "shape")
        if let negative = shape.first(where: { $0 < 0 }) {
            throw OpError("shape \(shape) has a negative dim \(negative)")
        }
        var output = try ShapeSupport.allocate(value.dtype, shape)
        let count = output.count
        StridedCopy.withBuffers(value, &output) { source, destination in
            StridedCopy.fill(destination, count: count, elementSize: value.dtype.byteSize, value: source)
        }
        return [output]
    }
}
