import GraphIR
import TensorCore

/// CenterCropPad: crops or zero-pads each listed axis to the requested length, keeping the
/// center (an odd difference leaves the extra element at the end).
/// https://onnx.ai/onnx/operators/onnx__CenterCropPad.html
///
/// input_data has any shape and dtype; shape holds one length per axis in `axes` (default:
/// every axis).
struct CenterCropPadOp: Operator {
    let axes: [Int]?

    init(_ context: OpContext) throws {
        axes = try context.node.ints("axes")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let lengths = try ShapeSupport.ints(try inputs.required(1), "CenterCropPad shape")
        let axes = try ShapeSupport.axes(self.axes ?? Array(0..<x.rank), rank: x.rank, "CenterCropPad axes")
        guard lengths.count == axes.count, lengths.allSatisfy({ $0 >= 0 }) else {
            throw OpError(
                "CenterCropPad: shape \(lengths) must hold \(axes.count) nonnegative lengths, one per axis \(axes)"
            )
        }
        var outShape = x.shape
        var sourceStart = [Int](repeating: 0, count: x.rank)
        var destinationStart = sourceStart
        var copied = x.shape
        for (axis, length) in zip(axes, lengths) {
            let dim = x.shape[axis]
            outShape[axis] = length
            copied[axis] = min(dim, length)
            if length < dim { sourceStart[axis] = (dim - length) / 2 }
            if length > dim { destinationStart[axis] = (length - dim) / 2 }
        }
        var y = try ShapeSupport.allocate(x.dtype, outShape, zeroed: true)
        guard copied.allSatisfy({ $0 > 0 }) else { return [y] }
        let size = x.dtype.byteSize
        let sourceStrides = Shape.strides(x.shape)
        let destinationStrides = Shape.strides(outShape)
        let sourceOffset = zip(sourceStart, sourceStrides).reduce(0) { $0 + $1.0 * $1.1 } * size
        let destinationOffset =
            zip(destinationStart, destinationStrides).reduce(0) { $0 + $1.0 * $1.1 } * size
        x.withUnsafeRawBytes { source in
            y.withUnsafeMutableRawBytes { destination in
                StridedCopy.copy(
                    shape: copied, elementSize: size, from: source.baseAddress! + sourceOffset,
                    strides: sourceStrides, to: destination.baseAddress! + destinationOffset,
                    strides: destinationStrides)
            }
        }
        return [y]
    }
}
