import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SwiGLU: `Swish_alpha(A) · B`, the gated activation of Llama-style feed-forward blocks.
///
/// https://onnx.ai/onnx/operators/onnx__SwiGLU.html
///
/// `A` (gate) and `B` (value) of one shape and float dtype (no broadcasting) → the same shape.
struct SwiGLU: Operator {
    let alpha: Double

    init(_ context: OpContext) throws {
        alpha = Double(try context.node.float("alpha", default: 1))
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0)
        let b = try inputs.required(1)
        guard a.shape == b.shape, a.dtype == b.dtype else {
            throw OpError(
                "A and B must have one shape and dtype, got \(a.dtype) \(a.shape) and \(b.dtype) \(b.shape)")
        }
        return [try Kernel(a: a, b: b, alpha: alpha).dispatch(a.dtype, "SwiGLU")]
    }

    private struct Kernel: FloatBody {
        let a, b: Tensor
        let alpha: Double

        func run<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
            let gate = try MiscSupport.elements(a, as: T.self)
            let value = try MiscSupport.elements(b, as: T.self)
            let alpha = T(self.alpha)
            var y = [T](repeating: 0, count: gate.count)
            for i in 0..<y.count {
                let g = Double(gate[i] * alpha)
                y[i] = gate[i] / (1 + T(exp(-g))) * value[i]
            }
            return try MiscSupport.result(y, a.dtype, a.shape)
        }
    }
}
