import GraphIR
import TensorCore

/// ArgMax and ArgMin: the int64 index of the largest (smallest) element along `axis`.
/// https://onnx.ai/onnx/operators/onnx__ArgMax.html, https://onnx.ai/onnx/operators/onnx__ArgMin.html
///
/// Ties give the first index, or the last with `select_last_index`. NaN counts as the extreme
/// value in both ops, as NumPy's argmax and argmin treat it.
struct ArgExtremeOp: Operator {
    let name: String
    let isMax: Bool
    let axis: Int
    let keepdims: Bool
    let selectLastIndex: Bool

    init(_ context: OpContext, isMax: Bool) throws {
        let node = context.node
        name = isMax ? "ArgMax" : "ArgMin"
        self.isMax = isMax
        axis = try node.int("axis", default: 0)
        keepdims = try node.int("keepdims", default: 1) != 0
        selectLastIndex = try node.int("select_last_index", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axis = try ShapeSupport.axis(self.axis, rank: x.rank, "\(name): axis")
        guard x.shape[axis] > 0 else {
            throw OpError("\(name): axis \(self.axis) of shape \(MathSupport.text(x.shape)) is empty")
        }
        let layout = ReductionLayout(shape: x.shape, axes: [axis])
        var shape = x.shape
        if keepdims { shape[axis] = 1 } else { shape.remove(at: axis) }
        var y = try ShapeSupport.allocate(.int64, shape)
        let length = x.shape[axis]
        switch x.dtype {
        case .float32: search(x, &y, layout, length, Float.self, isNaN: { $0.isNaN })
        case .float64: search(x, &y, layout, length, Double.self, isNaN: { $0.isNaN })
        case .float16: search(x, &y, layout, length, Float16.self, isNaN: { $0.isNaN })
        case .bfloat16:
            search(try MathSupport.cast(x, to: .float32), &y, layout, length, Float.self, isNaN: { $0.isNaN })
        case .int8: search(x, &y, layout, length, Int8.self, isNaN: { _ in false })
        case .int16: search(x, &y, layout, length, Int16.self, isNaN: { _ in false })
        case .int32: search(x, &y, layout, length, Int32.self, isNaN: { _ in false })
        case .int64: search(x, &y, layout, length, Int64.self, isNaN: { _ in false })
        case .uint8: search(x, &y, layout, length, UInt8.self, isNaN: { _ in false })
        case .uint16: search(x, &y, layout, length, UInt16.self, isNaN: { _ in false })
        case .uint32: search(x, &y, layout, length, UInt32.self, isNaN: { _ in false })
        case .uint64: search(x, &y, layout, length, UInt64.self, isNaN: { _ in false })
        default: throw OpError("\(name): dtype \(x.dtype) is not supported")
        }
        return [y]
    }

    // x is (outer, length, inner), y (outer, inner).
    private func search<T: TensorElement & Comparable>(
        _ x: Tensor, _ y: inout Tensor, _ layout: ReductionLayout, _ length: Int, _ type: T.Type,
        isNaN: (T) -> Bool
    ) {
        let (isMax, last) = (self.isMax, selectLastIndex)
        func better(_ value: T, _ best: T) -> Bool {
            if isNaN(best) { return last && isNaN(value) }
            if isNaN(value) { return true }
            if value == best { return last }
            return isMax ? value > best : value < best
        }
        let inner = layout.inner
        x.withUnsafeBufferPointer(of: T.self) { px in
            y.withUnsafeMutableBufferPointer(of: Int64.self) { py in
                for o in 0..<layout.outer {
                    for i in 0..<inner {
                        let base = o * length * inner + i
                        var bestIndex = 0
                        for j in 1..<length where better(px[base + j * inner], px[base + bestIndex * inner]) {
                            bestIndex = j
                        }
                        py[o * inner + i] = Int64(bestIndex)
                    }
                }
            }
        }
    }
}
