import TensorCore

/// How the output of a broadcasting op (up to three operands) is walked: as rows of
/// `rowLength` contiguous output elements, inside which each operand either advances by one
/// element (stride 1) or repeats one element (stride 0).
///
/// Axes of size 1 are dropped and neighbouring axes are merged wherever every operand is laid
/// out the same way across them, so the common cases collapse to a single loop: same shapes
/// are one row with strides (1, 1); a scalar operand is one row with stride 0; `[B, T, C] + [C]`
/// is `B·T` rows of `C` with strides (1, 1); `[B, T, C] * [B, T, 1]` is rows of `C` with
/// strides (1, 0). Only the odometer over the outer axes is generic.
struct BroadcastLayout {
    /// The broadcast output shape.
    let shape: [Int]
    /// Elements in the output.
    let count: Int
    /// Output elements per row (≥ 1 when `count > 0`).
    let rowLength: Int
    /// Per operand: 1 when it advances along the row, 0 when it repeats one element.
    let rowStrides: (Int, Int, Int)
    /// Merged outer axes, outermost first, and each operand's element stride along them.
    private let outerDims: [Int]
    private let outerStrides: ([Int], [Int], [Int])

    /// Lays out the broadcast of `shapes` (one to three of them).
    /// - Throws: `OpError` naming `op` and every shape when they do not broadcast.
    init(_ op: String, _ shapes: [[Int]]) throws(OpError) {
        precondition((1...3).contains(shapes.count), "broadcast layout of \(shapes.count) operands")
        let shape: [Int]
        do {
            shape = try Shape.broadcast(shapes)
        } catch {
            let listed = shapes.map { "\($0)" }
            let joined = listed.dropLast().joined(separator: ", ") + " and " + (listed.last ?? "")
            throw OpError("\(op): shapes \(joined) do not broadcast")
        }
        do { count = try Shape.elementCount(shape) } catch { throw OpError("\(op): \(error)") }
        self.shape = shape
        var strides = shapes.map { Shape.broadcastStrides($0, to: shape) }
        while strides.count < 3 { strides.append([Int](repeating: 0, count: shape.count)) }

        // Merge from the innermost axis outwards: axis `d` joins the group inside it when, for
        // every operand, stepping once along `d` equals stepping through the whole group.
        var dims: [Int] = []  // innermost first while building
        var merged: [[Int]] = [[], [], []]
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if let last = dims.last,
                (0..<3).allSatisfy({ strides[$0][d] == merged[$0][merged[$0].count - 1] * last })
            {
                dims[dims.count - 1] *= shape[d]
            } else {
                dims.append(shape[d])
                for k in 0..<3 { merged[k].append(strides[k][d]) }
            }
        }
        if dims.isEmpty {
            rowLength = 1
            rowStrides = (0, 0, 0)
            outerDims = []
            outerStrides = ([], [], [])
        } else {
            rowLength = dims[0]
            rowStrides = (merged[0][0], merged[1][0], merged[2][0])
            outerDims = dims.dropFirst().reversed()
            outerStrides = (
                merged[0].dropFirst().reversed(), merged[1].dropFirst().reversed(),
                merged[2].dropFirst().reversed()
            )
        }
    }

    /// Calls `body(output, offset0, offset1, offset2)` with the element offsets at the start of
    /// every row, in output order.
    @inline(__always)
    func forEachRow(_ body: (Int, Int, Int, Int) -> Void) {
        guard count > 0 else { return }
        let rank = outerDims.count
        if rank == 0 { return body(0, 0, 0, 0) }
        let (s0, s1, s2) = outerStrides
        var index = [Int](repeating: 0, count: rank)
        var (o0, o1, o2) = (0, 0, 0)
        for row in 0..<(count / rowLength) {
            body(row * rowLength, o0, o1, o2)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                o0 += s0[d]
                o1 += s1[d]
                o2 += s2[d]
                if index[d] < outerDims[d] { break }
                let n = outerDims[d]
                o0 -= s0[d] * n
                o1 -= s1[d] * n
                o2 -= s2[d] * n
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// A new tensor, with allocation failures reported as the op's error.
///
/// Loops write it through `mutableElements(_:)`: it is fresh, so no other tensor sees the writes.
func makeOutput(_ op: String, _ dtype: DType, _ shape: [Int]) throws(OpError) -> Tensor {
    do {
        return try Tensor(uninitialized: dtype, shape: shape)
    } catch {
        throw OpError("\(op): \(error)")
    }
}

// MARK: - Element pointers

// The loops take typed pointers straight from the storage instead of going through
// `withUnsafeBufferPointer`: that method lives in TensorCore and is not inlinable, so a loop in
// a closure passed to it calls the element function through a closure context, once per element
// (about 10x slower, measured). Inputs are parameters of the op, alive for the whole call.

extension Tensor {
    /// The elements as `T`, which must be this tensor's element type. Valid while `self` lives.
    @inline(__always)
    func elements<T: TensorElement>(_: T.Type) -> UnsafePointer<T> {
        precondition(dtype == T.dtype, "tensor of \(dtype) read as \(T.dtype)")
        return UnsafePointer(storage.base.assumingMemoryBound(to: T.self))
    }

    /// The elements as `T` for writing. Only for an op's own output from ``makeOutput(_:_:_:)``:
    /// fresh, so no other tensor shares the storage. (Not checked with `isUniquelyOwned()`:
    /// under -O that check reads false here, the later `storage` access being retained early.)
    @inline(__always)
    func mutableElements<T: TensorElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        precondition(dtype == T.dtype, "tensor of \(dtype) written as \(T.dtype)")
        return storage.base.assumingMemoryBound(to: T.self)
    }

    /// The bytes as `T` whatever the dtype, for Where, which moves elements as same-size
    /// integers. Writable only on an op's own fresh output, as ``mutableElements(_:)``.
    @inline(__always)
    func bits<T: FixedWidthInteger>(_: T.Type) -> UnsafeMutablePointer<T> {
        precondition(dtype.byteSize == MemoryLayout<T>.stride, "tensor of \(dtype) read as \(T.self)")
        return storage.base.assumingMemoryBound(to: T.self)
    }
}

// MARK: - Binary

/// `out = f(a, b)` over a layout of two operands.
/// a, b: operand buffers as the layout addresses them; out: `layout.count` elements.
///
/// Each row indexes from its own base pointers: with `out[o + i]` the overflow-checked
/// addition keeps LLVM from vectorising the loop (6x slower on a trailing-row Add, measured).
@inline(__always)
func binaryRows<A, B, R>(
    _ layout: BroadcastLayout, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>,
    _ out: UnsafeMutablePointer<R>, _ f: (A, B) -> R
) {
    let n = layout.rowLength
    switch (layout.rowStrides.0, layout.rowStrides.1) {
    case (1, 1):
        layout.forEachRow { o, ia, ib, _ in
            let (pa, pb, po) = (a + ia, b + ib, out + o)
            for i in 0..<n { po[i] = f(pa[i], pb[i]) }
        }
    case (1, 0):
        layout.forEachRow { o, ia, ib, _ in
            let (pa, y, po) = (a + ia, b[ib], out + o)
            for i in 0..<n { po[i] = f(pa[i], y) }
        }
    case (0, 1):
        layout.forEachRow { o, ia, ib, _ in
            let (x, pb, po) = (a[ia], b + ib, out + o)
            for i in 0..<n { po[i] = f(x, pb[i]) }
        }
    default:
        layout.forEachRow { o, ia, ib, _ in
            let (z, po) = (f(a[ia], b[ib]), out + o)
            for i in 0..<n { po[i] = z }
        }
    }
}

/// `f` applied elementwise to `a` and `b` with NumPy broadcasting; a new tensor of `R`.
///
/// Inline so that `f`, written as a closure literal at a call site where the element types are
/// concrete, is inlined into the loops.
/// - Throws: `OpError` when the shapes do not broadcast.
@inline(__always)
func broadcastBinary<A: TensorElement, B: TensorElement, R: TensorElement>(
    _ op: String, _ a: Tensor, _ b: Tensor, _ f: (A, B) -> R
) throws(OpError) -> Tensor {
    let layout = try BroadcastLayout(op, [a.shape, b.shape])
    let out = try makeOutput(op, R.dtype, layout.shape)
    binaryRows(layout, a.elements(A.self), b.elements(B.self), out.mutableElements(R.self), f)
    return out
}

// MARK: - Ternary

/// `out = f(a, b, c)` over a layout of three operands: contiguous loops for Where's usual
/// shapes, else one with wrapping (unchecked) stride products.
@inline(__always)
func ternaryRows<A, B, C, R>(
    _ layout: BroadcastLayout, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>,
    _ c: UnsafePointer<C>, _ out: UnsafeMutablePointer<R>, _ f: (A, B, C) -> R
) {
    let n = layout.rowLength
    let (sa, sb, sc) = layout.rowStrides
    switch (sa, sb, sc) {
    case (1, 1, 1):
        layout.forEachRow { o, ia, ib, ic in
            let (pa, pb, pc, po) = (a + ia, b + ib, c + ic, out + o)
            for i in 0..<n { po[i] = f(pa[i], pb[i], pc[i]) }
        }
    case (1, 1, 0):  // Where(mask, scores, -inf)
        layout.forEachRow { o, ia, ib, ic in
            let (pa, pb, z, po) = (a + ia, b + ib, c[ic], out + o)
            for i in 0..<n { po[i] = f(pa[i], pb[i], z) }
        }
    case (1, 0, 1):  // Where(mask, -inf, scores)
        layout.forEachRow { o, ia, ib, ic in
            let (pa, y, pc, po) = (a + ia, b[ib], c + ic, out + o)
            for i in 0..<n { po[i] = f(pa[i], y, pc[i]) }
        }
    default:
        layout.forEachRow { o, ia, ib, ic in
            let (pa, pb, pc, po) = (a + ia, b + ib, c + ic, out + o)
            for i in 0..<n { po[i] = f(pa[i &* sa], pb[i &* sb], pc[i &* sc]) }
        }
    }
}

// MARK: - Reference

/// The naive broadcast, one output index at a time, for tests of ``BroadcastLayout``.
/// Returns, for each output element in order, the element offset of each operand.
func referenceBroadcastOffsets(_ shapes: [[Int]]) throws -> [[Int]] {
    let out = try Shape.broadcast(shapes)
    let count = try Shape.elementCount(out)
    let outStrides = Shape.strides(out)
    return (0..<count).map { flat in
        let index = out.indices.map { (flat / outStrides[$0]) % out[$0] }
        return shapes.map { shape in
            let own = Shape.strides(shape)
            let offset = out.count - shape.count
            return shape.indices.reduce(0) { sum, d in
                sum + (shape[d] == 1 ? 0 : index[d + offset] * own[d])
            }
        }
    }
}
