import GraphIR
import TensorCore

/// TopK: the `k` largest (or smallest) elements along an axis, with their indices.
///
/// https://onnx.ai/onnx/operators/onnx__TopK.html
///
/// `X` (outer, n, inner) around `axis`, `K` a one-element int64 input (opset ≥ 10; the `k`
/// attribute before) → `Values` of X's dtype and `Indices` int64, both (outer, k, inner).
/// Results are always sorted (`sorted` = 0 leaves the order to the implementation); equal
/// values keep the lower index first, as the reference and onnxruntime do.
struct TopK: Operator {
    let axis: Int
    let largest: Bool
    /// Opset 1 carries `k` as an attribute.
    let kAttribute: Int?

    init(_ context: OpContext) throws {
        let node = context.node
        axis = try node.int("axis", default: -1)
        largest = try node.int("largest", default: 1) != 0
        kAttribute = context.opset < 10 ? try node.required("k", node.int) : nil
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let k = try kAttribute ?? ShapeSupport.scalarInt(try inputs.required(1), "K")
        let axis = try ShapeSupport.axis(axis, rank: x.rank)
        let (outer, n, inner) = MiscSupport.around(x.shape, axis: axis)
        guard k >= 0, k <= n else {
            throw OpError("K = \(k) is out of range for axis \(axis) of length \(n)")
        }
        var shape = x.shape
        shape[axis] = k
        let picked = try Selection(outer: outer, n: n, inner: inner, k: k, largest: largest).dispatch(x)
        let values = try MiscSupport.gather(x, picked.flat, shape: shape)
        let indices = Tensor(shape: shape, scalars: picked.positions.map { Int64($0) })
        return [values, indices]
    }

    /// For each (outer, inner) lane, the positions along the axis of the first `k` elements in
    /// the requested order, as flat indices into X and as positions on the axis.
    private struct Selection: OrderedBody {
        let outer, n, inner, k: Int
        let largest: Bool

        func run<T: Comparable & Hashable>(_ keys: [T]) throws -> (flat: [Int], positions: [Int]) {
            var flat = [Int](repeating: 0, count: outer * k * inner)
            var positions = flat
            var lane = [Int](repeating: 0, count: n)
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    for j in 0..<n { lane[j] = j }
                    // Strict ordering on the value, then the lower index first.
                    lane.sort { a, b in
                        let va = keys[base + a * inner]
                        let vb = keys[base + b * inner]
                        if !MiscSupport.same(va, vb) {
                            return largest ? MiscSupport.less(vb, va) : MiscSupport.less(va, vb)
                        }
                        return a < b
                    }
                    for j in 0..<k {
                        let at = (o * k + j) * inner + i
                        positions[at] = lane[j]
                        flat[at] = base + lane[j] * inner
                    }
                }
            }
            return (flat, positions)
        }
    }
}
