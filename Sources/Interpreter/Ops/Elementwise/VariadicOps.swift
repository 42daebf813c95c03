import TensorCore

/// Max, Min, Sum and Mean over one or more inputs with multidirectional broadcasting
/// (https://onnx.ai/onnx/operators/onnx__Sum.html and siblings): a left fold of the binary
/// function. Mean divides the sum by the input count and is float-only.
func variadic<F: NumericBinaryFunction>(_ op: String, _ function: F, isMean: Bool = false) -> Elementwise {
    Elementwise { inputs in
        var result = try inputs.required(0)
        let dtype = result.dtype
        guard dtype.isFloatingPoint || (!isMean && F.integers.accepts(dtype)) else {
            throw unsupported(op, dtype)
        }
        for i in inputs.indices.dropFirst() {
            result = try function.apply(op, result, inputs.required(i))
        }
        if isMean && inputs.count > 1 {
            let n = try Tensor(scalar: Float(inputs.count)).cast(to: dtype)
            result = try Arithmetic.Div().apply(op, result, n)
        }
        return result
    }
}
