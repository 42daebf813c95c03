import GraphIR
import TensorCore

/// Unique: the distinct elements (or slices along `axis`) of a tensor, with where they first
/// occur, where each input element went, and how often each occurs.
///
/// https://onnx.ai/onnx/operators/onnx__Unique.html
///
/// Without `axis`, `X` is flattened and `Y` is 1-D; with it, `X` (outer, n, inner) gives `Y`
/// (outer, u, inner) of the u distinct slices. `indices` (u), `inverse_indices` (n) and
/// `counts` (u) are int64. `sorted` = 1 (default) orders slices ascending (lexicographically),
/// NaN last; `sorted` = 0 keeps the order of first occurrence.
struct Unique: Operator {
    let axis: Int?
    let sorted: Bool

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis")
        sorted = try context.node.int("sorted", default: 1) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let outer: Int
        let n: Int
        let inner: Int
        var axisIndex = 0
        if let axis {
            axisIndex = try ShapeSupport.axis(axis, rank: x.rank)
            (outer, n, inner) = MiscSupport.around(x.shape, axis: axisIndex)
        } else {
            (outer, n, inner) = (1, x.count, 1)
        }
        let groups = try Grouping(outer: outer, n: n, inner: inner, sorted: sorted).dispatch(x)
        let u = groups.firsts.count
        var flat: [Int] = []
        flat.reserveCapacity(outer * u * inner)
        for o in 0..<outer {
            for first in groups.firsts {
                for i in 0..<inner { flat.append((o * n + first) * inner + i) }
            }
        }
        var shape = axis == nil ? [u] : x.shape
        if axis != nil { shape[axisIndex] = u }
        return [
            try MiscSupport.gather(x, flat, shape: shape),
            Tensor(shape: [u], scalars: groups.firsts.map { Int64($0) }),
            Tensor(shape: [n], scalars: groups.inverse.map { Int64($0) }),
            Tensor(shape: [u], scalars: groups.counts.map { Int64($0) }),
        ]
    }

    /// Slice j is elements (o, j, i) for every o, i. Groups equal slices; `firsts` holds each
    /// group's first position in output order, `inverse` each slice's group.
    private struct Grouping: OrderedBody {
        let outer, n, inner: Int
        let sorted: Bool

        func run<T: Comparable & Hashable>(_ keys: [T]) throws -> (
            firsts: [Int], inverse: [Int], counts: [Int]
        ) {
            func compare(_ a: Int, _ b: Int) -> Int {
                for o in 0..<outer {
                    for i in 0..<inner {
                        let va = keys[(o * n + a) * inner + i]
                        let vb = keys[(o * n + b) * inner + i]
                        if MiscSupport.same(va, vb) { continue }
                        return MiscSupport.less(va, vb) ? -1 : 1
                    }
                }
                return 0
            }
            // Ties keep the lower position first, so each run of equal slices starts at its first occurrence.
            let order = (0..<n).sorted { a, b in
                let c = compare(a, b)
                return c != 0 ? c < 0 : a < b
            }
            var firsts: [Int] = []
            var counts: [Int] = []
            var groupOf = [Int](repeating: 0, count: n)
            for (rank, j) in order.enumerated() {
                if rank == 0 || compare(order[rank - 1], j) != 0 {
                    firsts.append(j)
                    counts.append(0)
                }
                groupOf[j] = firsts.count - 1
                counts[counts.count - 1] += 1
            }
            guard !sorted else { return (firsts, groupOf, counts) }
            // Renumber groups by first occurrence.
            let byOccurrence = firsts.indices.sorted { firsts[$0] < firsts[$1] }
            var renumber = [Int](repeating: 0, count: firsts.count)
            for (position, group) in byOccurrence.enumerated() { renumber[group] = position }
            return (
                byOccurrence.map { firsts[$0] }, groupOf.map { renumber[$0] }, byOccurrence.map { counts[$0] }
            )
        }
    }
}
