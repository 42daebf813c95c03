import GraphIR
import TensorCore

/// Ops that only read a shape or relabel one, never copying data: Identity, Flatten, Shape,
/// Size and Dropout (inference).
///
/// https://onnx.ai/onnx/operators/onnx__Identity.html
/// https://onnx.ai/onnx/operators/onnx__Flatten.html
/// https://onnx.ai/onnx/operators/onnx__Shape.html
/// https://onnx.ai/onnx/operators/onnx__Size.html
/// https://onnx.ai/onnx/operators/onnx__Dropout.html
struct Identity: Operator {
    init(_ context: OpContext) {}

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [try inputs.required(0)]
    }
}

/// `input` (d0…dn) → (d0·…·d(axis-1), d(axis)·…·dn); `axis` in [-r, r], default 1.
struct Flatten: Operator {
    let axis: Int

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: 1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        // axis is in [-r, r]: a negative one counts from r (not r + 1), and r gives (N, 1).
        let a = axis < 0 ? axis + input.rank : axis
        guard (0...input.rank).contains(a) else {
            throw OpError(
                "axis \(axis) is out of range for input \(input.shape) (expected \(-input.rank)...\(input.rank))"
            )
        }
        let outer = try ShapeSupport.product(input.shape[..<a])
        let inner = try ShapeSupport.product(input.shape[a...])
        return [try ShapeSupport.reshaped(input, [outer, inner])]
    }
}

/// `data` (any shape) → int64 (end - start) holding `data.shape[start..<end]`; `start` and `end`
/// (opset 15) may be negative and are clamped to [0, rank].
struct ShapeOp: Operator {
    let start: Int
    let end: Int?

    init(_ context: OpContext) throws {
        start = try context.node.int("start", default: 0)
        end = try context.node.int("end")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [dims(of: try inputs.required(0).shape)]
    }

    /// The output for an input of shape `shape`.
    func dims(of shape: [Int]) -> Tensor {
        let rank = shape.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
        let lower = clamp(start)
        let upper = max(clamp(end ?? rank), lower)
        return Tensor(shape[lower..<upper].map { Int64($0) })
    }
}

/// `data` (any shape) → int64 scalar: its element count.
struct Size: Operator {
    init(_ context: OpContext) {}

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [Tensor(scalar: Int64(try inputs.required(0).count))]
    }
}

/// Inference Dropout: `output` is `data` unchanged; the optional `mask` output is all true
/// (all ones of `data`'s dtype before opset 10, where the mask was not yet bool).
struct Dropout: Operator {
    let wantsMask: Bool
    let boolMask: Bool

    init(_ context: OpContext) {
        wantsMask = context.node.outputs.count > 1
        boolMask = context.opset >= 10
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        // Training mode with a non-zero ratio would drop values at random: refuse rather than
        // silently return something else than the model asks for.
        if let training = inputs.optional(2), try training.intValues().contains(where: { $0 != 0 }) {
            let ratio = try inputs.optional(1).map { try $0.doubleValues().first ?? 0 } ?? 0.5
            guard ratio == 0 else {
                throw OpError("training_mode=true with ratio \(ratio) is not supported (inference only)")
            }
        }
        guard wantsMask else { return [data] }
        let mask =
            try boolMask
            ? ShapeSupport.tensor([Double](repeating: 1, count: data.count), dtype: .bool, shape: data.shape)
            : ShapeSupport.tensor(
                [Double](repeating: 1, count: data.count), dtype: data.dtype, shape: data.shape)
        return [data, mask]
    }
}
