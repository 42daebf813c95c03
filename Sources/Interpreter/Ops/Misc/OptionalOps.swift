import GraphIR
import TensorCore

// Optional values in tensor-only graphs: an optional input is either a tensor or omitted.
// https://onnx.ai/onnx/operators/onnx__OptionalHasElement.html, onnx__OptionalGetElement.html
// (optional and sequence *types* are not supported; these cover a plain tensor or no input).

/// OptionalHasElement: a bool scalar, true when the input is present.
struct OptionalHasElement: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [Tensor(scalar: inputs.optional(0) != nil)]
    }
}

/// OptionalGetElement: the input tensor itself.
struct OptionalGetElement: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [try inputs.required(0)]
    }
}
