import TensorCore

/// Pow, https://onnx.ai/onnx/operators/onnx__Pow.html: `X ^ Y` with broadcasting; the output
/// has X's dtype and Y may be any numeric dtype (opset ≥ 12).
///
/// Float X: computed in Float (Double for float64) with Y converted to it; the scalar exponents
/// 2 (LayerNorm and RMSNorm as exported) and 3 (GPT-2's Gelu) are products instead of `pow`,
/// as in onnxruntime (the cube may differ from `powf` by an ulp). Integer X with integer Y:
/// exact, wrapping, by repeated squaring; a negative exponent gives 1 / x^n truncated toward
/// zero (so 0 unless x is ±1, and 0 for x = 0 where numpy raises). Integer X with float Y:
/// computed in Double and converted back as Cast does.
struct Pow: Operator {
    let legacy: LegacyBroadcast

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let y = try legacy.align("Pow", x, inputs.required(1))
        guard y.dtype != .bool && y.dtype != .string else { throw unsupported("Pow", y.dtype, "exponent") }
        switch x.dtype {
        case .float32: return [try floats(x, y, Float.self)]
        case .float64: return [try floats(x, y, Double.self)]
        case .float16: return [try floats(x, y, Float16.self)]
        case .bfloat16: return [try floats(x, y, BFloat16.self)]
        default: break
        }
        guard x.dtype.isInteger else { throw unsupported("Pow", x.dtype) }
        if y.dtype.isFloatingPoint {
            return [try floats(x.cast(to: .float64), y, Double.self).cast(to: x.dtype)]
        }
        let exponent = try y.cast(to: .int64)
        switch x.dtype {
        case .int8: return [try integers(x, exponent, Int8.self)]
        case .int16: return [try integers(x, exponent, Int16.self)]
        case .int32: return [try integers(x, exponent, Int32.self)]
        case .int64: return [try integers(x, exponent, Int64.self)]
        case .uint8: return [try integers(x, exponent, UInt8.self)]
        case .uint16: return [try integers(x, exponent, UInt16.self)]
        case .uint32: return [try integers(x, exponent, UInt32.self)]
        case .uint64: return [try integers(x, exponent, UInt64.self)]
        default: throw unsupported("Pow", x.dtype)
        }
    }

    private func floats<S: FloatElement>(_ x: Tensor, _ y: Tensor, _: S.Type) throws -> Tensor
    where S.Compute: TensorElement {
        let exponent = try y.cast(to: S.Compute.dtype)
        if exponent.count == 1, exponent.rank <= x.rank {
            switch exponent.scalars(as: S.Compute.self)[0] {
            case 2: return try unaryMap("Pow", x) { (v: S) in S(computed: v.computed * v.computed) }
            case 3:
                return try unaryMap("Pow", x) { (v: S) in S(computed: v.computed * v.computed * v.computed) }
            default: break
            }
        }
        return try broadcastBinary("Pow", x, exponent) { (v: S, e: S.Compute) in
            S(computed: S.Compute.pow(v.computed, e))
        }
    }

    private func integers<S: IntegerElement>(_ x: Tensor, _ y: Tensor, _: S.Type) throws(OpError) -> Tensor {
        try broadcastBinary("Pow", x, y) { (v: S, e: Int64) in integerPower(v, e) }
    }
}

/// base^exponent with wrapping multiplication; see ``Pow`` for negative exponents.
func integerPower<T: FixedWidthInteger>(_ base: T, _ exponent: Int64) -> T {
    if exponent < 0 {
        if base == 1 { return 1 }
        if T.isSigned && base == 0 &- 1 { return exponent % 2 == 0 ? 1 : base }
        return 0
    }
    var result: T = 1
    var square = base
    var n = exponent
    while n > 0 {
        if n & 1 == 1 { result = result &* square }
        square = square &* square
        n >>= 1
    }
    return result
}
