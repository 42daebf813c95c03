import GraphIR
import TensorCore

/// Slice: a strided window of `data`, like NumPy's `data[start:end:step]` on chosen axes.
///
/// https://onnx.ai/onnx/operators/onnx__Slice.html
///
/// Opset 1 reads `starts`, `ends`, `axes` from attributes (step 1); from opset 10 they are inputs,
/// with optional `axes` (default 0…) and `steps` (default 1). Negative starts and ends count from
/// the end; both are clamped to the axis (ends such as INT64_MAX or INT64_MIN mean "to the end");
/// negative steps walk backwards. Where the spec and NumPy differ (a start before the axis with a
/// negative step), this follows the spec and ONNX Runtime.
struct Slice: Operator {
    /// The opset 1 attributes; nil from opset 10 on.
    let attributes: (starts: [Int], ends: [Int], axes: [Int]?)?

    init(_ context: OpContext) throws {
        let node = context.node
        if context.opset < 10 {
            attributes = (
                try node.required("starts", node.ints), try node.required("ends", node.ints),
                try node.ints("axes")
            )
        } else {
            attributes = nil
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let starts: [Int]
        let ends: [Int]
        let axes: [Int]?
        let steps: [Int]?
        if let attributes {
            (starts, ends, axes, steps) = (attributes.starts, attributes.ends, attributes.axes, nil)
        } else {
            starts = try ShapeSupport.ints(try inputs.required(1), "starts")
            ends = try ShapeSupport.ints(try inputs.required(2), "ends")
            axes = try inputs.optional(3).map { t throws(OpError) in try ShapeSupport.ints(t, "axes") }
            steps = try inputs.optional(4).map { t throws(OpError) in try ShapeSupport.ints(t, "steps") }
        }
        return [try Self.apply(data, starts: starts, ends: ends, axes: axes, steps: steps)]
    }

    /// The slice of `data`; `axes` defaults to 0..<starts.count and `steps` to all ones.
    static func apply(_ data: Tensor, starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) throws(OpError)
        -> Tensor
    {
        let axes = try ShapeSupport.axes(axes ?? Array(0..<starts.count), rank: data.rank)
        let steps = steps ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw OpError(
                "starts, ends, axes and steps must have one entry per sliced axis, got "
                    + "\(starts.count), \(ends.count), \(axes.count) and \(steps.count)")
        }
        var first = [Int](repeating: 0, count: data.rank)
        var step = [Int](repeating: 1, count: data.rank)
        var shape = data.shape
        for (i, axis) in axes.enumerated() {
            let window = try window(dim: data.shape[axis], start: starts[i], end: ends[i], step: steps[i])
            (first[axis], step[axis], shape[axis]) = (window.start, steps[i], window.count)
        }
        if shape == data.shape && step.allSatisfy({ $0 == 1 }) { return data }
        var output = try ShapeSupport.allocate(data.dtype, shape)
        let strides = Shape.strides(data.shape)
        // A stride only matters when the axis holds two or more elements, where |step| ≤ dim
        // keeps stride · step within the element count.
        let sourceStrides = shape.indices.map { shape[$0] > 1 ? strides[$0] * step[$0] : 0 }
        let offset = shape.contains(0) ? 0 : zip(first, strides).reduce(0) { $0 + $1.0 * $1.1 }
        let size = data.dtype.byteSize
        StridedCopy.withBuffers(data, &output) { source, destination in
            StridedCopy.copy(
                shape: shape, elementSize: size, from: source + offset * size, strides: sourceStrides,
                to: destination, strides: Shape.strides(shape))
        }
        return output
    }

    /// The first index and element count of `start:end:step` on an axis of `dim` elements.
    static func window(dim: Int, start: Int, end: Int, step: Int) throws(OpError) -> (start: Int, count: Int)
    {
        guard step != 0 else { throw OpError("slice step must not be 0") }
        func shifted(_ i: Int) -> Int { i < 0 ? i + dim : i }
        if step > 0 {
            let s = min(max(shifted(start), 0), dim)
            let e = min(max(shifted(end), 0), dim)
            return (s, e > s ? (e - s - 1) / step + 1 : 0)
        }
        let s = min(max(shifted(start), 0), dim - 1)
        // As in ONNX Runtime, an end of INT32_MAX or INT64_MAX means "no end" (NumPy's None),
        // so with a negative step it runs through index 0 rather than clamping to dim - 1.
        let noEnd = end == Int(Int64.max) || end == Int(Int32.max)
        let e = noEnd ? -1 : min(max(shifted(end), -1), dim - 1)
        let magnitude = step == .min ? Int.max : -step
        return (s, s > e ? (s - e - 1) / magnitude + 1 : 0)
    }
}
