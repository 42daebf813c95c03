import GraphIR
import Kernels
import TensorCore

/// Softmax and LogSoftmax.
/// https://onnx.ai/onnx/operators/onnx__Softmax.html,
/// https://onnx.ai/onnx/operators/onnx__LogSoftmax.html
///
/// The two opset generations differ: from opset 13 the op normalizes along the single axis
/// `axis` (default −1); before, the input is coerced to 2-D at `axis` (default 1) and each row
/// of that matrix — every axis from `axis` on — is normalized together.
struct SoftmaxOp: Operator {
    let log: Bool
    /// Opset < 13: coerce to 2-D at `axis`.
    let flattens: Bool
    let axis: Int

    init(_ context: OpContext, log: Bool, flattens: Bool) throws {
        self.log = log
        self.flattens = flattens
        axis = try context.node.int("axis", default: flattens ? 1 : -1)
    }

    private var name: String { log ? "LogSoftmax" : "Softmax" }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let rank = x.rank
        // The 2-D coercion accepts axis = rank (a single column), as Flatten does.
        guard let axis = Shape.normalizeAxis(axis, rank: flattens ? rank + 1 : rank) else {
            throw OpError("\(name): axis \(self.axis) is out of range for input of shape \(MathSupport.text(x.shape))")
        }
        let outer = x.shape[..<axis].reduce(1, *)
        let length = flattens ? x.shape[axis...].reduce(1, *) : x.shape[axis]
        let inner = flattens ? 1 : x.shape[(axis + 1)...].reduce(1, *)
        switch x.dtype {
        case .float32: return [try run(x, outer, length, inner)]
        case .float16, .bfloat16:
            return [try MathSupport.cast(run(MathSupport.cast(x, to: .float32), outer, length, inner), to: x.dtype)]
        case .float64:
            var y = try ShapeSupport.allocate(.float64, x.shape)
            guard y.count > 0 else { return [y] }
            x.withUnsafeBufferPointer(of: Double.self) { px in
                y.withUnsafeMutableBufferPointer(of: Double.self) { py in
                    Kernels.softmaxNaive(px.baseAddress!, py.baseAddress!, outer: outer, length: length, inner: inner,
                                         log: log)
                }
            }
            return [y]
        default: throw OpError("\(name): dtype \(x.dtype) is not supported")
        }
    }

    private func run(_ x: Tensor, _ outer: Int, _ length: Int, _ inner: Int) throws(OpError) -> Tensor {
        var y = try ShapeSupport.allocate(.float32, x.shape)
        guard y.count > 0 else { return y }
        x.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                if log {
                    Kernels.logSoftmax(px.baseAddress!, py.baseAddress!, outer: outer, length: length, inner: inner)
                } else {
                    Kernels.softmax(px.baseAddress!, py.baseAddress!, outer: outer, length: length, inner: inner)
                }
            }
        }
        return y
    }
}
