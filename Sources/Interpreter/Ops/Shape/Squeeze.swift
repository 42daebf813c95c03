import GraphIR
import TensorCore

/// Squeeze and Unsqueeze: remove or insert unit axes, without copying.
///
/// https://onnx.ai/onnx/operators/onnx__Squeeze.html
/// https://onnx.ai/onnx/operators/onnx__Unsqueeze.html
///
/// `axes` is an attribute before opset 13 and an optional input from 13 on. Squeeze without
/// axes removes every unit axis; Unsqueeze requires axes, counted in the output's rank.
struct Squeeze: Operator {
    /// Before opset 13: the attribute (nil when absent). From 13: nil, read from input 1.
    let axesAttribute: [Int]?
    let axesFromInput: Bool

    init(_ context: OpContext) throws {
        axesFromInput = context.opset >= 13
        axesAttribute = axesFromInput ? nil : try context.node.ints("axes")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        var requested = axesAttribute
        if axesFromInput, let axes = inputs.optional(1) { requested = try ShapeSupport.ints(axes, "axes") }
        // Empty axes squeeze every unit axis, as in ONNX Runtime.
        guard let requested, !requested.isEmpty else {
            return [try ShapeSupport.reshaped(data, data.shape.filter { $0 != 1 })]
        }
        let axes = try ShapeSupport.axes(requested, rank: data.rank)
        for axis in axes where data.shape[axis] != 1 {
            throw OpError(
                "cannot squeeze axis \(axis) of input \(data.shape): its dim is \(data.shape[axis]), expected 1"
            )
        }
        let shape = data.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        return [try ShapeSupport.reshaped(data, shape)]
    }
}

struct Unsqueeze: Operator {
    let axesAttribute: [Int]?

    init(_ context: OpContext) throws {
        axesAttribute = context.opset >= 13 ? nil : try context.node.required("axes", context.node.ints)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let requested = try axesAttribute ?? ShapeSupport.ints(try inputs.required(1), "axes")
        let rank = data.rank + requested.count
        let axes = try ShapeSupport.axes(requested, rank: rank)
        var remaining = data.shape.makeIterator()
        let shape = (0..<rank).map { axes.contains($0) ? 1 : remaining.next() ?? 1 }
        return [try ShapeSupport.reshaped(data, shape)]
    }
}
