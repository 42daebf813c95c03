#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Kernels {
    /// A float32 activation with a vectorised kernel (``Kernels/activation(_:_:_:count:)``).
    public enum Activation: Sendable, CaseIterable {
        case exp, sigmoid, tanh, erf
        /// x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
        case gelu
        /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
        case geluTanh
    }
}

/// Elementwise float32 activations, 16 lanes at a time, with a scalar reference beside them.
///
/// Accuracy against the correctly rounded result: exp and sigmoid about 2e-7 relative, tanh
/// 4e-7 relative (7 ulp next to ±1), erf 3 ulp below |x| = 0.92 and 1e-7 absolute above (its result is then near ±1).
/// NaN stays NaN; ±inf give the limits (Gelu(−inf) is NaN, as the formula in float gives).
extension Kernels {
    /// y[i] = f(x[i]) for n floats; y may alias x.
    public static func activation(
        _ f: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int
    ) {
        switch f {
        case .exp: mapVectors(x, y, n, expLanes)
        case .sigmoid: mapVectors(x, y, n, sigmoidVector)
        case .tanh: mapVectors(x, y, n, tanhVector)
        case .erf: mapVectors(x, y, n, erfVector)
        case .gelu: mapVectors(x, y, n) { v in 0.5 * v * (1 + erfVector(v * 0.707_106_77)) }
        case .geluTanh:
            mapVectors(x, y, n) { v in
                0.5 * v * (1 + tanhVector(0.797_884_56 * (v + 0.044_715 * v * v * v)))
            }
        }
    }

    /// The reference for ``activation(_:_:_:count:)``: the C library in Double, one element at
    /// a time, rounded to float at the end.
    public static func activationNaive(
        _ f: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int
    ) {
        for i in 0..<n {
            let v = Double(x[i])
            let r: Double =
                switch f {
                case .exp: exp(v)
                case .sigmoid: 1 / (1 + exp(-v))
                case .tanh: tanh(v)
                case .erf: erf(v)
                case .gelu: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                case .geluTanh:
                    0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
                }
            y[i] = Float(r)
        }
    }

    // x, y: n floats. The tail runs through the same vector code, padded with 0.
    @inline(__always)
    private static func mapVectors(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Vector) -> Vector
    ) {
        var i = 0
        while i + lanes <= n {
            store(f(load(x, i)), y, i)
            i += lanes
        }
        if i < n { storePartial(f(loadPartial(x, i, count: n - i, fill: 0)), y, i, count: n - i) }
    }

    /// e^x on 16 lanes, the Cephes `expf` scheme of ``expVector(_:)`` written only with
    /// operations Swift lowers to vector instructions: rounding by adding 1.5·2²³, 2^k from the
    /// bits of that sum, clamping by masks. (`rounded(.down)`, `SIMD16<Int32>(_:)` and
    /// `pointwiseMin/Max` go lane by lane: together ~25 ns per element instead of ~1, measured
    /// with -O on x86-64.) Below −86.6 the result is 0, above 88.72 +inf, NaN stays NaN.
    /// Below this, ``expLanes(_:)`` gives exactly 0.
    static let expUnderflow: Float = -86.6

    @inline(__always)
    static func expLanes(_ x: Vector) -> Vector {
        let low = expUnderflow
        let high: Float = 88.722_83
        var clamped = x
        clamped.replace(with: low, where: x .< low)
        clamped.replace(with: high, where: x .> high)
        // t's low mantissa bits hold k = round(x·log2 e) as an integer.
        let magic: Float = 12_582_912
        let t = clamped * 1.442_695_041 + magic
        let k = t - magic
        // ln2 split in a part exact in float and a correction, so k·ln2 is subtracted exactly.
        var r = clamped - k * 0.693_359_375
        r = r + k * 2.121_944_40e-4
        var p = Vector(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        // 2^k as 2^(k-1)·2: k reaches 128 near the top of the range, one past the largest exponent.
        let kInt = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((kInt &+ 126) &<< 23, to: Vector.self)
        var result = p * scale * 2
        result.replace(with: 0, where: x .< low)
        result.replace(with: .infinity, where: x .> high)
        result.replace(with: x, where: x .!= x)
        return result
    }

    @inline(__always)
    static func sigmoidVector(_ x: Vector) -> Vector {
        1 / (1 + expLanes(-x))
    }

    /// The odd rational function x·P(x²)/Q(x²) of degrees 13/6 on x clamped to ±7.905 (where it
    /// rounds to ±1), the coefficients Eigen and onnxruntime's MLAS use; below |x| = 0.0004, x.
    /// Half the work of the exp-based form (no exp, one division): 4e-7 relative at most.
    @inline(__always)
    static func tanhVector(_ x: Vector) -> Vector {
        let bound: Float = 7.905_311_107_635_498
        var c = x
        c.replace(with: -bound, where: x .< -bound)
        c.replace(with: bound, where: x .> bound)
        let z = c * c
        var p = Vector(repeating: -2.760_768_477_423_55e-16)
        p = p * z + 2.000_187_904_824_77e-13
        p = p * z - 8.604_671_522_137_35e-11
        p = p * z + 5.122_297_090_371_14e-8
        p = p * z + 1.485_722_357_179_79e-5
        p = p * z + 6.372_619_288_754_36e-4
        p = p * z + 4.893_524_558_917_86e-3
        var q = Vector(repeating: 1.198_258_394_667_02e-6)
        q = q * z + 1.185_347_056_866_54e-4
        q = q * z + 2.268_434_632_439_00e-3
        q = q * z + 4.893_525_185_543_85e-3
        var result = c * p / q
        result.replace(with: x, where: absolute(x) .< 0.0004)
        return result
    }

    /// Below |x| = 0.921875, x·P(x²); above, 1 − e^{−x²}·Q(1/|x|) with x's sign, where Q fits
    /// erfc(x)·e^{x²} on [0.921875, 4] (weighted least squares on Chebyshev nodes, fitted with
    /// numpy for this kernel); from |x| = 4 on, erf rounds to ±1 in float.
    @inline(__always)
    static func erfVector(_ x: Vector) -> Vector {
        let split: Float = 0.921_875
        let magnitude = absolute(x)
        var a = magnitude
        a.replace(with: split, where: magnitude .< split)
        a.replace(with: 4, where: magnitude .> 4)
        let u = 1 / a
        var q = Vector(repeating: 0.021_202_359)
        q = q * u - 0.128_200_95
        q = q * u + 0.317_379_77
        q = q * u - 0.375_944_08
        q = q * u + 0.104_314_64
        q = q * u + 0.302_596_96
        q = q * u - 0.401_015_82
        q = q * u + 0.025_996_506
        q = q * u + 0.561_097_7
        q = q * u + 0.000_156_535_94
        var result = withSignOf(x, 1 - expLanes(-(a * a)) * q)
        let t = x * x
        var p = Vector(repeating: -0.000_602_463_6)
        p = p * t + 0.005_000_901_4
        p = p * t - 0.026_772_961
        p = p * t + 0.112_820_39
        p = p * t - 0.376_125_25
        p = p * t + 1.128_379_1
        result.replace(with: x * p, where: magnitude .< split)
        result.replace(with: x, where: x .!= x)
        return result
    }

    @inline(__always)
    private static func absolute(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    /// |magnitude| with the sign bit of `sign`.
    @inline(__always)
    private static func withSignOf(_ sign: Vector, _ magnitude: Vector) -> Vector {
        let signBit = unsafeBitCast(sign, to: SIMD16<UInt32>.self) & 0x8000_0000
        let bits = unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF
        return unsafeBitCast(bits | signBit, to: Vector.self)
    }
}
