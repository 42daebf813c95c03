import TensorCore

/// The elements of a row-major tensor read through strides: index `i` on axis `a` is `strides[a]`
/// elements from index `i - 1`, starting from element `offset`. What Reshape, Transpose and
/// Split make of a tensor without moving it, so that a fused matrix product can read its
/// operands (and write its result) where they lie (see ``MatMulViews``).
struct StridedView: Equatable {
    var shape: [Int]
    var strides: [Int]
    var offset: Int

    /// A whole row-major tensor of `shape`.
    init(contiguous shape: [Int]) {
        self.init(shape: shape, strides: Shape.strides(shape), offset: 0)
    }

    init(shape: [Int], strides: [Int], offset: Int) {
        (self.shape, self.strides, self.offset) = (shape, strides, offset)
    }

    /// The view with its axes permuted (`perm` a permutation of the axes).
    func transposed(_ perm: [Int]) -> StridedView {
        StridedView(shape: perm.map { shape[$0] }, strides: perm.map { strides[$0] }, offset: offset)
    }

    /// Indices `start..<start + count` of `axis`.
    func sliced(axis: Int, start: Int, count: Int) -> StridedView {
        var view = self
        view.shape[axis] = count
        view.offset += start * strides[axis]
        return view
    }

    /// The same elements in row-major order under `newShape`, or nil when no strides express it
    /// (axes merged into one must lie one inside the other in memory) or the view is empty.
    func reshaped(_ newShape: [Int]) -> StridedView? {
        let count = shape.reduce(1, *)
        guard count > 0, newShape.allSatisfy({ $0 >= 0 }), newShape.reduce(1, *) == count else { return nil }
        // Axes of length 1 take no part in addressing.
        let old = zip(shape, strides).filter { $0.0 != 1 }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var o = 0, n = 0
        while true {
            while n < newShape.count && newShape[n] == 1 { n += 1 }
            guard o < old.count, n < newShape.count else { break }
            // A group: old axes o...oEnd and new axes n...nEnd holding the same elements.
            let (oStart, nStart) = (o, n)
            var (oldSize, newSize) = (old[o].0, newShape[n])
            while oldSize != newSize {
                if oldSize < newSize {
                    o += 1
                    guard o < old.count else { return nil }
                    oldSize *= old[o].0
                } else {
                    n += 1
                    guard n < newShape.count else { return nil }
                    newSize *= newShape[n]
                }
            }
            for j in oStart..<o where old[j].1 != old[j + 1].1 * old[j + 1].0 { return nil }
            var step = old[o].1
            for j in stride(from: n, through: nStart, by: -1) {
                newStrides[j] = step
                step *= newShape[j]
            }
            o += 1
            n += 1
        }
        guard o == old.count else { return nil }
        return StridedView(shape: newShape, strides: newStrides, offset: offset)
    }
}

/// An op whose outputs are its first input's elements read differently, which a fused matrix
/// product reads through instead of running it (Reshape, Transpose, Split).
protocol ViewOperator: Operator {
    /// Output `output` as a view of the tensor `input` views, given the node's inputs (the first
    /// is not read: `input` stands for it); nil when strides cannot express it.
    func view(of input: StridedView, _ inputs: [Tensor?], output: Int) throws -> StridedView?
}
