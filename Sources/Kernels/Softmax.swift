#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax and log-softmax along one axis, numerically stable (the axis maximum is subtracted
/// before `exp`).
extension Kernels {
    /// Softmax of x viewed as (outer, length, inner) along the middle axis; y has x's shape and
    /// may alias x. `length` 0 leaves y empty.
    public static func softmax(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, length: Int, inner: Int
    ) {
        alongAxis(x, y, outer: outer, length: length, inner: inner, softmaxRow)
    }

    /// Log-softmax of x viewed as (outer, length, inner) along the middle axis; y may alias x.
    public static func logSoftmax(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, length: Int, inner: Int
    ) {
        alongAxis(x, y, outer: outer, length: length, inner: inner, logSoftmaxRow)
    }

    /// Softmax along the rows of `y` (`rows × length` floats) of what the elementwise program
    /// `steps` computes from `sources` (an attention mask's Add before the softmax; with no step,
    /// `sources[0]` itself, full size), then every NaN replaced by `nanReplacement` when given
    /// (the guard `Where(IsNaN(y), c, y)` after it). A few rows at a time go through the three
    /// passes while they are in cache; bitwise equal to the ops one after another.
    public static func softmax(
        program steps: [ElementwiseStep], sources: [ElementwiseSource], _ y: UnsafeMutablePointer<Float>,
        rows: Int, length: Int, nanReplacement: Float?
    ) {
        guard length > 0 else { return }
        let chunk = Swift.max(1, 4096 / length)
        parallelParts(rows, minimumPart: Swift.max(1, (32 << 10) / length)) { part in
            var first = part.lowerBound
            while first < part.upperBound {
                let end = Swift.min(part.upperBound, first + chunk)
                let x: UnsafePointer<Float>
                if steps.isEmpty {
                    x = sources[0].base
                } else {
                    elementwisePart(steps, sources, y, first * length..<end * length)
                    x = UnsafePointer(y)
                }
                for r in first..<end {
                    softmaxRow(x + r * length, y + r * length, length)
                    if let nanReplacement { replaceNaN(y + r * length, length, with: nanReplacement) }
                }
                first = end
            }
        }
    }

    private static func replaceNaN(_ y: UnsafeMutablePointer<Float>, _ n: Int, with value: Float) {
        let replacement = Vector(repeating: value)
        var i = 0
        while i + lanes <= n {
            let v = load(y, i)
            store(v.replacing(with: replacement, where: v .!= v), y, i)
            i += lanes
        }
        for j in i..<n where y[j].isNaN { y[j] = value }
    }

    /// Reference softmax (or log-softmax when `log`) in Double, one element at a time: used by
    /// tests and for float64 tensors. x and y are (outer, length, inner).
    public static func softmaxNaive(
        _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
        outer: Int, length: Int, inner: Int, log isLog: Bool = false
    ) {
        for o in 0..<outer {
            for i in 0..<inner {
                let at = { (j: Int) in (o * length + j) * inner + i }
                var maximum = -Double.infinity
                for j in 0..<length { maximum = Swift.max(maximum, x[at(j)]) }
                var sum = 0.0
                for j in 0..<length { sum += exp(x[at(j)] - maximum) }
                for j in 0..<length {
                    y[at(j)] = isLog ? x[at(j)] - maximum - log(sum) : exp(x[at(j)] - maximum) / sum
                }
            }
        }
    }

    /// Runs a contiguous-row kernel over every (outer, ·, inner) line; when inner > 1 each line
    /// is gathered into a scratch row first, so the row kernel stays the only vector code.
    private static func alongAxis(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, length: Int, inner: Int,
        _ row: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) {
        guard length > 0 else { return }
        if inner == 1 {
            // Rows split over the threads once there are ~32K elements per thread.
            parallelParts(outer, minimumPart: Swift.max(1, (32 << 10) / length)) { rows in
                for o in rows { row(x + o * length, y + o * length, length) }
            }
            return
        }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: length)
        defer { scratch.deallocate() }
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                for j in 0..<length { scratch[j] = x[base + j * inner] }
                row(scratch, scratch, length)
                for j in 0..<length { y[base + j * inner] = scratch[j] }
            }
        }
    }

    // x and y are (n); y may alias x.
    private static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let maximum = Vector(repeating: rowMax(x, n))
        // A causal mask makes about half of each row −inf or the float minimum; where x − max is
        // below exp's underflow bound for a whole vector, exp gives exactly 0 there, so the
        // vector skips it (NaN lanes compare false and take the exp).
        let zero = Vector(repeating: 0)
        var sums = zero
        var i = 0
        while i + lanes <= n {
            let d = load(x, i) - maximum
            if all(d .< expUnderflow) {
                store(zero, y, i)
                i += lanes
                continue
            }
            let e = expLanes(d)
            store(e, y, i)
            sums += e
            i += lanes
        }
        if i < n {
            let e = expLanes(loadPartial(x, i, count: n - i, fill: -.infinity) - maximum)
            storePartial(e, y, i, count: n - i)
            sums += e
        }
        let scale = Vector(repeating: 1 / sums.sum())
        i = 0
        while i + lanes <= n {
            store(load(y, i) * scale, y, i)
            i += lanes
        }
        for j in i..<n { y[j] *= scale[0] }
    }

    // x and y are (n); y may alias x.
    private static func logSoftmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let maximum = Vector(repeating: rowMax(x, n))
        var sums = Vector(repeating: 0)
        var i = 0
        while i + lanes <= n {
            sums += expLanes(load(x, i) - maximum)
            i += lanes
        }
        if i < n { sums += expLanes(loadPartial(x, i, count: n - i, fill: -.infinity) - maximum) }
        let shift = maximum + log(sums.sum())
        i = 0
        while i + lanes <= n {
            store(load(x, i) - shift, y, i)
            i += lanes
        }
        for j in i..<n { y[j] = x[j] - shift[0] }
    }
}
