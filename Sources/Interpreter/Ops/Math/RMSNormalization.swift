import GraphIR
import Kernels
import TensorCore

/// RMS normalization over the axes `axis…rank−1`: `Y = X / sqrt(mean(X²) + epsilon) · scale`.
/// https://onnx.ai/onnx/operators/onnx__RMSNormalization.html
///
/// Y has the dtype of `scale` (type V in the spec). Computed in float32 (`stash_type` 1), or in
/// Double when X is float64.
struct RMSNormalizationOp: Operator {
    let axis: Int
    let epsilon: Float

    init(_ context: OpContext) throws {
        let node = context.node
        axis = try node.int("axis", default: -1)
        epsilon = try node.float("epsilon", default: 1e-5)
        let stash = try node.int("stash_type", default: 1)
        guard stash == 1 else { throw OpError("RMSNormalization: stash_type \(stash) is not supported (expected 1)") }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), scale = try inputs.required(1)
        guard let axis = Shape.normalizeAxis(axis, rank: x.rank) else {
            throw OpError("RMSNormalization: axis \(self.axis) is out of range for X of shape \(MathSupport.text(x.shape))")
        }
        guard x.dtype.isFloatingPoint, scale.dtype.isFloatingPoint else {
            throw OpError("RMSNormalization: dtypes \(x.dtype) and \(scale.dtype) are not supported")
        }
        let normalized = Array(x.shape[axis...])
        let rows = x.shape[..<axis].reduce(1, *), cols = normalized.reduce(1, *)
        let scaleValues = try MathSupport.broadcastParameter(scale, to: normalized, "RMSNormalization: scale")
        if x.dtype == .float64 {
            var y = try ShapeSupport.allocate(.float64, x.shape)
            let scaleD = scaleValues.map(Double.init)
            x.withUnsafeBufferPointer(of: Double.self) { px in
                y.withUnsafeMutableBufferPointer(of: Double.self) { py in
                    Kernels.normalizationNaive(px.baseAddress!, py.baseAddress!, rows: rows, cols: cols, scale: scaleD,
                                               bias: nil, epsilon: Double(epsilon), rms: true)
                }
            }
            return [try MathSupport.cast(y, to: scale.dtype)]
        }
        let x32 = try MathSupport.cast(x, to: .float32)
        var y = try ShapeSupport.allocate(.float32, x.shape)
        x32.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                Kernels.rmsNormalization(px.baseAddress!, py.baseAddress!, rows: rows, cols: cols, scale: scaleValues,
                                         epsilon: epsilon)
            }
        }
        return [try MathSupport.cast(y, to: scale.dtype)]
    }
}
