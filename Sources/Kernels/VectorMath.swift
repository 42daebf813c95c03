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
            acc = pointwiseMax(acc, load(p, i))
            i += lanes
        }
        if i < n { acc = pointwiseMax(acc, loadPartial(p, i, count: n - i, fill: -.infinity)) }
        return acc.max()
    }

    /// `exp` on 16 lanes: Cephes-style range reduction `x = k·ln2 + r` and a degree-6 polynomial
    /// on r (relative error about 2e-7). Results that would be subnormal (x < −86.6) are 0, so
    /// masked attention scores (−inf, −1e9) give exactly 0; above 88.72 the result is +inf;
    /// NaN stays NaN.
    @inline(__always)
    static func expVector(_ x: Vector) -> Vector {
        let low: Float = -86.6, high: Float = 88.72283
        let clamped = pointwiseMin(pointwiseMax(x, Vector(repeating: low)), Vector(repeating: high))
        let k = (clamped * 1.442695041 + 0.5).rounded(.down)
        // ln2 split in a part exact in float and a correction, so k·ln2 is subtracted exactly.
        var r = clamped - k * 0.693359375
        r = r + k * 2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        // 2^k as 2^(k-1)·2: k reaches 128 near the top of the range, one past the largest exponent.
        let exponent = (SIMD16<Int32>(k) &+ 126) &<< 23
        var result = p * unsafeBitCast(exponent, to: Vector.self) * 2
        result.replace(with: 0, where: x .< low)
        result.replace(with: .infinity, where: x .> high)
        result.replace(with: x, where: x .!= x)
        return result
    }
}
