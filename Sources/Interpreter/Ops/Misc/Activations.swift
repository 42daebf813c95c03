import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Elementwise activations with attributes, computed in Double and rounded to the input dtype:
// https://onnx.ai/onnx/operators/onnx__Shrink.html, https://onnx.ai/onnx/operators/onnx__Swish.html

/// An activation: `function` maps each element; `floatsOnly` refuses integer inputs.
struct Activation: Operator {
    let name: String
    let floatsOnly: Bool
    let function: @Sendable (Double) -> Double

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard !floatsOnly || x.dtype.isFloatingPoint else {
            throw OpError("\(name) takes float tensors, got \(x.dtype)")
        }
        let values = try MiscSupport.doubles(x, "\(name) input")
        return [try MiscSupport.tensor(values.map(function), x.dtype, x.shape)]
    }

    /// Shrink: `x + bias` below −lambd, `x − bias` above lambd, 0 between.
    static func shrink(_ context: OpContext) throws -> Activation {
        let bias = Double(try context.node.float("bias", default: 0))
        let lambd = Double(try context.node.float("lambd", default: 0.5))
        return Activation(name: "Shrink", floatsOnly: false) { x in
            x < -lambd ? x + bias : x > lambd ? x - bias : 0
        }
    }

    /// Swish: `x · sigmoid(alpha · x)`.
    static func swish(_ context: OpContext) throws -> Activation {
        let alpha = Double(try context.node.float("alpha", default: 1))
        return Activation(name: "Swish", floatsOnly: true) { x in x / (1 + exp(-alpha * x)) }
    }
}
