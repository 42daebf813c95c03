import TensorCore

/// Where, https://onnx.ai/onnx/operators/onnx__Where.html: `condition ? X : Y` elementwise, all
/// three broadcast together. Elements are only moved, so the loop runs on unsigned integers of
/// the element's size: four specialisations cover every dtype.
struct Where: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let condition = try inputs.required(0)
        let x = try inputs.required(1)
        let y = try inputs.required(2)
        guard condition.dtype == .bool else { throw unsupported("Where", condition.dtype, "condition") }
        guard x.dtype == y.dtype else { throw OpError("Where: X has dtype \(x.dtype), Y has \(y.dtype)") }
        switch x.dtype.byteSize {
        case 1: return [try select(condition, x, y, UInt8.self)]
        case 2: return [try select(condition, x, y, UInt16.self)]
        case 4: return [try select(condition, x, y, UInt32.self)]
        case 8: return [try select(condition, x, y, UInt64.self)]
        default: throw unsupported("Where", x.dtype)
        }
    }

    // condition, x, y: broadcast to out; out has x's dtype, elements moved as `Bits`.
    private func select<Bits: FixedWidthInteger>(
        _ condition: Tensor, _ x: Tensor, _ y: Tensor, _: Bits.Type
    ) throws(OpError) -> Tensor {
        let layout = try BroadcastLayout("Where", [condition.shape, x.shape, y.shape])
        let out = try makeOutput("Where", x.dtype, layout.shape)
        ternaryRows(
            layout, condition.elements(Bool.self), UnsafePointer(x.bits(Bits.self)),
            UnsafePointer(y.bits(Bits.self)), out.bits(Bits.self)
        ) { $0 ? $1 : $2 }
        return out
    }
}

/// `Where(IsNaN(x), replacement, x)` as one node, made by the plan (see
/// `Plan.fuseNaNReplacements`); its float32 fast path is the fused elementwise kernel's, and
/// this op, run for other dtypes, computes it as the two nodes did.
struct ReplaceNaN: Operator {
    let isNaN: any Operator

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), replacement = try inputs.required(1)
        let mask = try isNaN.callAsFunction([x])
        return try Where().callAsFunction([mask.first, replacement, x])
    }
}
