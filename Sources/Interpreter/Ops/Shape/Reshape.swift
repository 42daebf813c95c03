import GraphIR
import TensorCore

/// Reshape: the same elements under a new shape, without copying.
///
/// https://onnx.ai/onnx/operators/onnx__Reshape.html
///
/// `data` is any shape; `shape` (an input from opset 5, the attribute `shape` before) holds the
/// target dims, where `-1` is inferred from the element count and `0` copies the input's dim at
/// that position — unless `allowzero` = 1 (opset 14), where `0` is a literal zero.
struct Reshape: Operator {
    /// The opset 1 form's `shape` attribute; nil from opset 5 on, where `shape` is input 1.
    let shapeAttribute: [Int]?
    let allowzero: Bool

    init(_ context: OpContext) throws {
        let node = context.node
        shapeAttribute = context.opset < 5 ? try node.required("shape", node.ints) : nil
        allowzero = try node.int("allowzero", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        return [try ShapeSupport.reshaped(data, try outputShape(data.shape, inputs))]
    }

    /// The output shape for an input of shape `input`.
    private func outputShape(_ input: [Int], _ inputs: [Tensor?]) throws -> [Int] {
        let requested = try shapeAttribute ?? ShapeSupport.ints(try inputs.required(1), "shape")
        return try Self.resolve(requested, input: input, allowzero: allowzero)
    }

    /// The output shape for `requested` applied to an input of shape `input`.
    static func resolve(_ requested: [Int], input: [Int], allowzero: Bool) throws(OpError) -> [Int] {
        let count = try ShapeSupport.product(input)
        var shape = requested
        var inferred: Int?
        for (i, dim) in requested.enumerated() {
            switch dim {
            case -1:
                guard inferred == nil else { throw OpError("shape \(requested) has more than one -1") }
                inferred = i
            case 0 where !allowzero:
                guard i < input.count else {
                    throw OpError(
                        "shape \(requested) copies dim \(i) (0) but the input \(input) has rank \(input.count)"
                    )
                }
                shape[i] = input[i]
            case ..<0:
                throw OpError("shape \(requested) has a negative dim \(dim) (only -1 is allowed)")
            default:
                break
            }
        }
        if allowzero, inferred != nil, requested.contains(0) {
            throw OpError("shape \(requested) has both -1 and 0 with allowzero=1")
        }
        if let i = inferred {
            let known = try ShapeSupport.product(shape.enumerated().filter { $0.offset != i }.map(\.element))
            guard known > 0, count % known == 0 else {
                throw OpError(
                    "cannot reshape input \(input) (\(count) elements) to \(requested): "
                        + "the known dims hold \(known) elements, which does not divide \(count)")
            }
            shape[i] = count / known
        }
        let newCount = try ShapeSupport.product(shape)
        guard newCount == count else {
            throw OpError(
                "cannot reshape input \(input) (\(count) elements) to \(requested) (\(newCount) elements)")
        }
        return shape
    }
}

extension Reshape: ViewOperator {
    func view(of input: StridedView, _ inputs: [Tensor?], output: Int) throws -> StridedView? {
        input.reshaped(try outputShape(input.shape, inputs))
    }
}
