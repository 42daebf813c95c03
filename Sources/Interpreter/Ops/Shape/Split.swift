import GraphIR
import TensorCore

/// Split: cuts `input` into consecutive parts along `axis`.
///
/// https://onnx.ai/onnx/operators/onnx__Split.html
///
/// `input` (…, d, …) → outputs (…, s_i, …) with Σ s_i = d. The sizes come from the attribute
/// `split` before opset 13, from the optional input `split` from 13 on, else from the number of
/// outputs: equal parts, or (opset 18 `num_outputs`) parts of ceil(d / n) with a smaller last one.
struct Split: Operator {
    let axis: Int
    let splitAttribute: [Int]?
    let splitFromInput: Bool
    let outputs: Int
    let numOutputs: Int?

    init(_ context: OpContext) throws {
        let node = context.node
        axis = try node.int("axis", default: 0)
        splitFromInput = context.opset >= 13 || context.opset == 1
        splitAttribute = context.opset < 13 ? try node.ints("split") : nil
        numOutputs = context.opset >= 18 ? try node.int("num_outputs") : nil
        outputs = node.outputs.count
        if let numOutputs, numOutputs != outputs {
            throw OpError("num_outputs is \(numOutputs) but the node has \(outputs) outputs")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let (axis, sizes) = try parts(input.shape, inputs)
        return try Self.apply(input, axis: axis, sizes: sizes)
    }

    /// The axis cut and the sizes of the parts, for an input of shape `shape`.
    private func parts(_ shape: [Int], _ inputs: [Tensor?]) throws -> (axis: Int, sizes: [Int]) {
        let axis = try ShapeSupport.axis(axis, rank: shape.count)
        let dim = shape[axis]
        var sizes = splitAttribute
        if splitFromInput, let split = inputs.optional(1) { sizes = try ShapeSupport.ints(split, "split") }
        if let given = sizes {
            guard given.count == outputs, given.allSatisfy({ $0 >= 0 }), given.reduce(0, +) == dim else {
                throw OpError(
                    "split \(given) must hold \(outputs) non-negative sizes summing to \(dim) "
                        + "(axis \(axis) of input \(shape))")
            }
            return (axis, given)
        }
        return (axis, try Self.equalParts(
            dim: dim, parts: outputs, allowUneven: numOutputs != nil, what: "axis \(axis) of input \(shape)"))
    }

    /// Parts of `dim` for `parts` outputs: equal, or ceil-sized with a smaller last part.
    static func equalParts(dim: Int, parts: Int, allowUneven: Bool, what: String) throws(OpError) -> [Int] {
        guard parts > 0 else { throw OpError("Split needs at least one output") }
        if dim % parts == 0 { return [Int](repeating: dim / parts, count: parts) }
        let chunk = dim / parts + 1
        let last = dim - chunk * (parts - 1)
        guard allowUneven, last >= 0 else {
            throw OpError(
                "\(what) (\(dim)) cannot be split into \(parts) "
                    + (allowUneven ? "parts of \(chunk)" : "equal parts"))
        }
        return [Int](repeating: chunk, count: parts - 1) + [last]
    }

    /// `input` cut along `axis` into parts of `sizes` (which sum to the axis dim).
    static func apply(_ input: Tensor, axis: Int, sizes: [Int]) throws(OpError) -> [Tensor] {
        if sizes.count == 1 { return [input] }
        let outer = try ShapeSupport.product(input.shape[..<axis])
        let inner = try ShapeSupport.product(input.shape[(axis + 1)...])
        let rowLength = input.shape[axis] * inner
        let size = input.dtype.byteSize
        var results: [Tensor] = []
        var column = 0
        for part in sizes {
            var shape = input.shape
            shape[axis] = part
            var output = try ShapeSupport.allocate(input.dtype, shape)
            let width = part * inner
            StridedCopy.withBuffers(input, &output) { source, destination in
                StridedCopy.copy(
                    shape: [outer, width], elementSize: size,
                    from: source + column * size, strides: [rowLength, 1],
                    to: destination, strides: [width, 1])
            }
            column += width
            results.append(output)
        }
        return results
    }
}

extension Split: ViewOperator {
    func view(of input: StridedView, _ inputs: [Tensor?], output: Int) throws -> StridedView? {
        let (axis, sizes) = try parts(input.shape, inputs)
        guard output < sizes.count else { return nil }
        return input.sliced(axis: axis, start: sizes[..<output].reduce(0, +), count: sizes[output])
    }
}
