import GraphIR
import Kernels
import TensorCore

/// Layer normalization over the axes `axis…rank−1`, then `· Scale + B`.
/// https://onnx.ai/onnx/operators/onnx__LayerNormalization.html
///
/// Outputs Mean and InvStdDev (shape of X with the normalized axes set to 1, dtype from
/// `stash_type`) are produced when the node declares them. Statistics are computed in float32
/// (`stash_type` 1) for float32/float16/bfloat16 inputs and in Double for float64 inputs.
struct LayerNormalizationOp: Operator {
    let axis: Int
    let epsilon: Float
    let stashType: DType
    let outputCount: Int

    init(_ context: OpContext) throws {
        let node = context.node
        axis = try node.int("axis", default: -1)
        epsilon = try node.float("epsilon", default: 1e-5)
        let stash = try node.int("stash_type", default: 1)
        guard stash == Int(DType.float32.rawValue) || stash == Int(DType.bfloat16.rawValue) else {
            throw OpError("LayerNormalization: stash_type \(stash) is not supported (expected 1 for float or 16 for bfloat16)")
        }
        stashType = stash == 1 ? .float32 : .bfloat16
        outputCount = node.outputs.count
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), scale = try inputs.required(1), bias = inputs.optional(2)
        guard let axis = Shape.normalizeAxis(axis, rank: x.rank) else {
            throw OpError("LayerNormalization: axis \(self.axis) is out of range for X of shape \(MathSupport.text(x.shape))")
        }
        guard x.dtype.isFloatingPoint else { throw OpError("LayerNormalization: dtype \(x.dtype) is not supported") }
        let normalized = Array(x.shape[axis...])
        let rows = x.shape[..<axis].reduce(1, *), cols = normalized.reduce(1, *)
        let scaleValues = try MathSupport.broadcastParameter(scale, to: normalized, "LayerNormalization: Scale")
        let biasValues = try bias.map { (b) throws(OpError) in
            try MathSupport.broadcastParameter(b, to: normalized, "LayerNormalization: B")
        }
        let statisticsShape = Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis)
        var y: Tensor
        var mean = try ShapeSupport.allocate(.float32, statisticsShape)
        var invStdDev = try ShapeSupport.allocate(.float32, statisticsShape)
        if x.dtype == .float64 {
            y = try ShapeSupport.allocate(.float64, x.shape)
            var meanD = [Double](repeating: 0, count: rows), invD = meanD
            let scaleD = scaleValues.map(Double.init), biasD = (biasValues ?? []).map(Double.init)
            x.withUnsafeBufferPointer(of: Double.self) { px in
                y.withUnsafeMutableBufferPointer(of: Double.self) { py in
                    biasD.withUnsafeBufferPointer { pb in
                        Kernels.normalizationNaive(
                            px.baseAddress!, py.baseAddress!, rows: rows, cols: cols, scale: scaleD,
                            bias: biasValues == nil ? nil : pb.baseAddress, epsilon: Double(epsilon),
                            mean: &meanD, invStdDev: &invD)
                    }
                }
            }
            mean = Tensor(shape: statisticsShape, scalars: meanD.map(Float.init))
            invStdDev = Tensor(shape: statisticsShape, scalars: invD.map(Float.init))
        } else {
            let x32 = try MathSupport.cast(x, to: .float32)
            y = try ShapeSupport.allocate(.float32, x.shape)
            x32.withUnsafeBufferPointer(of: Float.self) { px in
                y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                    mean.withUnsafeMutableBufferPointer(of: Float.self) { pm in
                        invStdDev.withUnsafeMutableBufferPointer(of: Float.self) { pi in
                            let bias = biasValues ?? []
                            bias.withUnsafeBufferPointer { pb in
                                Kernels.layerNormalization(
                                    px.baseAddress!, py.baseAddress!, rows: rows, cols: cols, scale: scaleValues,
                                    bias: biasValues == nil ? nil : pb.baseAddress, epsilon: epsilon,
                                    mean: pm.baseAddress, invStdDev: pi.baseAddress)
                            }
                        }
                    }
                }
            }
            y = try MathSupport.cast(y, to: x.dtype)
        }
        let outputs = [y, try MathSupport.cast(mean, to: stashType), try MathSupport.cast(invStdDev, to: stashType)]
        return Array(outputs.prefix(max(1, min(outputCount, 3))))
    }
}
