import GraphIR
import TensorCore

/// MaxUnpool: scatters each element of X to the position its MaxPool index names, zeros
/// elsewhere. https://onnx.ai/onnx/operators/onnx__MaxUnpool.html
///
/// X and I are (N, C, D1…Dn); I holds flat indices into the unpooled shape
/// `(D − 1)·stride − pads + kernel`. An output_shape input larger than that pads the result
/// with zeros at the end of each axis, as the ONNX reference implementation does.
struct MaxUnpoolOp: Operator {
    let window: WindowAttributes

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "MaxUnpool")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let indices = try inputs.required(1)
        guard x.rank >= 3, indices.shape == x.shape else {
            throw OpError(
                "MaxUnpool: X must be (N, C, D1…) and I the same shape; got X \(MathSupport.text(x.shape)), I \(MathSupport.text(indices.shape))"
            )
        }
        let rank = x.rank - 2
        let kernel = try window.kernel(rank: rank, weights: nil)
        let (strides, _, pads) = try window.explicit(rank: rank)
        var inferred = Array(x.shape[..<2])
        for a in 0..<rank {
            inferred.append((x.shape[a + 2] - 1) * strides[a] - pads[a] - pads[rank + a] + kernel[a])
        }
        var shape = inferred
        if let requested = inputs.optional(2) {
            shape = try ShapeSupport.ints(requested, "MaxUnpool output_shape")
            guard shape.count == x.rank, zip(shape, inferred).allSatisfy({ $0 >= $1 }) else {
                throw OpError(
                    "MaxUnpool: output_shape \(shape) must have rank \(x.rank) and be at least the unpooled shape \(inferred)"
                )
            }
        }
        guard inferred.allSatisfy({ $0 >= 0 }) else {
            throw OpError(
                "MaxUnpool: unpooled shape \(inferred) is negative (kernel \(kernel), strides \(strides), pads \(pads))"
            )
        }
        let limit = try ShapeSupport.product(inferred)
        let positions = try ShapeSupport.ints(indices, "MaxUnpool I")
        if let bad = positions.first(where: { $0 < 0 || $0 >= limit }) {
            throw OpError(
                "MaxUnpool: index \(bad) is outside the unpooled shape \(inferred) (\(limit) elements)")
        }
        // Scatter into the unpooled shape, then place that block at the origin of the output.
        let byteSize = x.dtype.byteSize
        var unpooled = try ShapeSupport.allocate(x.dtype, inferred, zeroed: true)
        x.withUnsafeRawBytes { source in
            unpooled.withUnsafeMutableRawBytes { destination in
                for (i, position) in positions.enumerated() {
                    destination.baseAddress!.advanced(by: position * byteSize)
                        .copyMemory(from: source.baseAddress!.advanced(by: i * byteSize), byteCount: byteSize)
                }
            }
        }
        guard shape != inferred else { return [unpooled] }
        var y = try ShapeSupport.allocate(x.dtype, shape, zeroed: true)
        guard unpooled.count > 0 else { return [y] }
        unpooled.withUnsafeRawBytes { source in
            y.withUnsafeMutableRawBytes { destination in
                StridedCopy.copy(
                    shape: inferred, elementSize: byteSize, from: source.baseAddress!,
                    strides: Shape.strides(inferred), to: destination.baseAddress!,
                    strides: Shape.strides(shape))
            }
        }
        return [y]
    }
}
