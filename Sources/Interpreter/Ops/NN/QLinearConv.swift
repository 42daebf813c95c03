import GraphIR
import TensorCore

/// QLinearConv: Conv on quantized 8-bit tensors: the exact integer convolution (with zero
/// points and an int32 bias) requantized as `round(sum · x_scale · w_scale / y_scale) +
/// y_zero_point`, rounding half to even and saturating to y's type.
/// https://onnx.ai/onnx/operators/onnx__QLinearConv.html
///
/// Inputs: x, x_scale, x_zero_point, w, w_scale (scalar or per output channel), w_zero_point,
/// y_scale, y_zero_point (its dtype is y's), B (int32, optional).
struct QLinearConvOp: Operator {
    let window: WindowAttributes
    let group: Int

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "QLinearConv")
        group = try context.node.int("group", default: 1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let w = try inputs.required(3)
        let (sums, shape) = try integerConvolution(
            "QLinearConv", x: x, xZeroPoint: inputs.optional(2), w: w, wZeroPoint: inputs.optional(5),
            bias: inputs.optional(8), window: window, group: group)
        let xScale = try scales(inputs.required(1), 1, "x_scale")[0]
        let yScale = try scales(inputs.required(6), 1, "y_scale")[0]
        let wScales = try scales(inputs.required(4), w.shape[0], "w_scale")
        let yZeroPoint = inputs.optional(7)
        let dtype = yZeroPoint?.dtype ?? x.dtype
        guard dtype == .uint8 || dtype == .int8 else {
            throw OpError("QLinearConv: y_zero_point must be uint8 or int8, got \(dtype)")
        }
        let zero = try yZeroPoint.map { t throws(OpError) in try scalar(t, "y_zero_point") } ?? 0
        let (low, high): (Double, Double) = dtype == .int8 ? (-128, 127) : (0, 255)
        let perChannel = sums.count / max(shape[0] * shape[1], 1)
        // The multiplier is formed in float32, as the reference does, then applied in double.
        let multipliers = wScales.map { Double(xScale * $0 / yScale) }
        let values = sums.enumerated().map { i, sum in
            let m = multipliers[(i / max(perChannel, 1)) % shape[1]]
            return min(max(sum * m + zero, low), high).rounded(.toNearestOrEven)
        }
        return [try ShapeSupport.tensor(values, dtype: dtype, shape: shape)]
    }

    /// A float scale input: one value, or `count` values when per channel is allowed.
    private func scales(_ t: Tensor, _ count: Int, _ what: String) throws(OpError) -> [Float] {
        guard t.dtype.isFloatingPoint else {
            throw OpError("QLinearConv: \(what) must be float, got \(t.dtype)")
        }
        let values = try MathSupport.cast(t, to: .float32).scalars(as: Float.self)
        if values.count == 1 { return Array(repeating: values[0], count: max(count, 1)) }
        guard values.count == count, t.rank == 1 else {
            throw OpError(
                "QLinearConv: \(what) must be a scalar\(count > 1 ? " or hold \(count) values" : ""), got shape \(MathSupport.text(t.shape))"
            )
        }
        return values
    }

    private func scalar(_ t: Tensor, _ what: String) throws(OpError) -> Double {
        let values: [Double]
        do { values = try t.doubleValues() } catch { throw OpError("QLinearConv: \(what): \(error)") }
        guard values.count == 1 else {
            throw OpError("QLinearConv: \(what) must be a scalar, got shape \(MathSupport.text(t.shape))")
        }
        return values[0]
    }
}
