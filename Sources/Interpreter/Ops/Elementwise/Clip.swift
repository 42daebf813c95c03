import GraphIR
import TensorCore

/// Clip, https://onnx.ai/onnx/operators/onnx__Clip.html: `min(max(x, min), max)`, so a `min`
/// above `max` gives `max` everywhere and NaN stays NaN.
///
/// Before opset 11 the bounds are float attributes (defaulting to ∓FLT_MAX); from opset 11 on
/// they are optional scalar inputs of X's dtype (absent: no bound). Integers from opset 12.
struct Clip: Operator {
    /// Bounds from attributes (opset < 11); nil from opset 11 on, where inputs carry them.
    private let attributeBounds: (min: Float, max: Float)?

    init(_ context: OpContext) throws {
        if context.opset < 11 {
            let node = context.node
            attributeBounds = (
                try node.float("min", default: -.greatestFiniteMagnitude),
                try node.float("max", default: .greatestFiniteMagnitude)
            )
        } else {
            attributeBounds = nil
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        if let (lo, hi) = attributeBounds {
            return [try clip(x, Tensor(scalar: lo).cast(to: x.dtype), Tensor(scalar: hi).cast(to: x.dtype))]
        }
        return [try clip(x, inputs.optional(1), inputs.optional(2))]
    }

    private func clip(_ x: Tensor, _ lo: Tensor?, _ hi: Tensor?) throws -> Tensor {
        for (name, bound) in [("min", lo), ("max", hi)] {
            guard let bound else { continue }
            guard bound.count == 1 else {
                throw OpError("Clip: \(name) must hold one element, got shape \(bound.shape)")
            }
            guard bound.dtype == x.dtype else {
                throw OpError("Clip: \(name) has dtype \(bound.dtype), input has \(x.dtype)")
            }
        }
        switch x.dtype {
        case .float32: return try floats(x, lo, hi, Float.self)
        case .float64: return try floats(x, lo, hi, Double.self)
        case .float16: return try floats(x, lo, hi, Float16.self)
        case .bfloat16: return try floats(x, lo, hi, BFloat16.self)
        case .int8: return try integers(x, lo, hi, Int8.self)
        case .int16: return try integers(x, lo, hi, Int16.self)
        case .int32: return try integers(x, lo, hi, Int32.self)
        case .int64: return try integers(x, lo, hi, Int64.self)
        case .uint8: return try integers(x, lo, hi, UInt8.self)
        case .uint16: return try integers(x, lo, hi, UInt16.self)
        case .uint32: return try integers(x, lo, hi, UInt32.self)
        case .uint64: return try integers(x, lo, hi, UInt64.self)
        default: throw unsupported("Clip", x.dtype)
        }
    }

    private func floats<S: FloatElement>(_ x: Tensor, _ lo: Tensor?, _ hi: Tensor?, _: S.Type) throws(OpError)
        -> Tensor
    {
        let low = lo.map { $0.scalars(as: S.self)[0].computed } ?? -.infinity
        let high = hi.map { $0.scalars(as: S.self)[0].computed } ?? .infinity
        return try unaryMap("Clip", x) { (v: S) in S(computed: bounded(v.computed, low, high)) }
    }

    private func integers<S: IntegerElement>(_ x: Tensor, _ lo: Tensor?, _ hi: Tensor?, _: S.Type)
        throws(OpError) -> Tensor
    {
        let low = lo.map { $0.scalars(as: S.self)[0] } ?? .min
        let high = hi.map { $0.scalars(as: S.self)[0] } ?? .max
        return try unaryMap("Clip", x) { (v: S) in bounded(v, low, high) }
    }
}

/// min(max(x, lo), hi), keeping a NaN `x`.
@inline(__always)
private func bounded<T: Comparable>(_ x: T, _ lo: T, _ hi: T) -> T {
    let raised = x < lo ? lo : x
    return raised > hi ? hi : raised
}
