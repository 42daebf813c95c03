/// SIMD building blocks shared by the row kernels: loads and stores of 16 floats at any
/// alignment, row sums and maxima, and a vector `exp`.
///
/// Row loops go 16 lanes at a time and finish with one partial vector padded by a neutral value,
/// so every element takes the same arithmetic path whatever the row length.
extension Kernels {
    typealias Vector = SIMD16<Float>
    static let lanes = Vector.scalarCount

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vector {
        UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
    }

    /// The `count < 16` elements at `p + i` in the low lanes, `fill` in the others.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ i: Int, count: Int, fill: Float) -> Vector {
        var v = Vector(repeating: fill)
        for lane in 0..<count { v[lane] = p[i + lane] }
        return v
    }

    @inline(__always)
    static func storePartial(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int, count: Int) {
        for lane in 0..<count { p[i + lane] = v[lane] }
    }

    /// Sum of `n` floats, accumulated in 16 lanes.
    static func rowSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector(repeating: 0)
        var i = 0
        while i + lanes <= n {
            acc += load(p, i)
            i += lanes
        }
        if i < n { acc += loadPartial(p, i, count: n - i, fill: 0) }
        return acc.sum()
    }

    /// Maximum of `n ≥ 1` floats (NaN elements are skipped; callers let NaN surface later).
    static func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector(repeating: -.infinity)
        var i = 0
        while i + lanes <= n {
            // A masked select, not `pointwiseMax`: that one goes lane by lane (see `expLanes`).
            let v = load(p, i)
            acc.replace(with: v, where: v .> acc)
            i += lanes
        }
        if i < n {
            let v = loadPartial(p, i, count: n - i, fill: -.infinity)
            acc.replace(with: v, where: v .> acc)
        }
        return acc.max()
    }

}
