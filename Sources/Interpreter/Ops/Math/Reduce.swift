import GraphIR
import TensorCore

/// The Reduce* family: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
/// ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare.
/// https://onnx.ai/onnx/operators/onnx__ReduceSum.html (and the sibling pages)
///
/// Axes come from the `axes` attribute in older opsets and from the optional second input in
/// newer ones (ReduceSum from 13, the others from 18). No axes means every axis, unless
/// `noop_with_empty_axes` is set: then nothing is reduced and each element goes through the
/// reduction alone (ReduceSumSquare squares, ReduceL2 takes |x|…), as the reference does.
struct ReduceOp: Operator {
    let name: String
    let kind: ReduceKind
    let keepdims: Bool
    let noopWithEmptyAxes: Bool
    /// nil when the axes come from input 1.
    let attributeAxes: [Int]?

    init(_ name: String, _ kind: ReduceKind, _ context: OpContext, axesFromInput: Bool) throws {
        let node = context.node
        self.name = name
        self.kind = kind
        keepdims = try node.int("keepdims", default: 1) != 0
        let noop = try node.int("noop_with_empty_axes", default: 0) != 0
        noopWithEmptyAxes = axesFromInput && noop
        let axes = try node.ints("axes")
        attributeAxes = axesFromInput ? nil : axes ?? []
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        var axes = try attributeAxes ?? inputs.optional(1).map { (t) throws(OpError) in
            try ShapeSupport.ints(t, "\(name): axes")
        } ?? []
        if axes.isEmpty && !noopWithEmptyAxes { axes = Array(0..<x.rank) }
        let reduced = try ShapeSupport.axes(axes, rank: x.rank, "\(name): axes")
        let outputShape = x.shape.indices.compactMap { axis -> Int? in
            guard reduced.contains(axis) else { return x.shape[axis] }
            return keepdims ? 1 : nil
        }
        return [try ReductionEngine.run(kind, x, axes: reduced, outputShape: outputShape, name)]
    }
}
