import Kernels
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The vectorised float32 activations against their scalar C-library references.
@Suite("Elementwise activation kernels")
struct ElementwiseKernelTests {
    /// Inputs: every branch boundary of the kernels, the extremes, and a deterministic sweep
    /// over [-12, 12]; 1000 + 37 elements so the partial last vector is exercised too.
    static let inputs: [Float] = {
        let special: [Float] = [
            0, -0.0, 1e-30, -1e-30, 1e-6, -1e-6, 0.5, -0.5, 0.625, -0.625, 0.6249, 0.921875,
            -0.921875, 0.92, 1, -1, 2, 3.9, 4, -4, 4.1, 9, -9, 10, 20, -20, 44, 45, 80, -80,
            86, -86, 87, -87, 88.7, 89, -89, 100, -100, .infinity, -.infinity, .greatestFiniteMagnitude,
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let sweep = (0..<(1037 - special.count)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 24 - 12
        }
        return special + sweep
    }()

    /// Absolute tolerance per activation beyond the relative 5e-7: erf and the Gelus are accurate
    /// to ~1e-7 absolute (their results sit near ±1 or are products with such terms).
    private func tolerance(_ f: Kernels.Activation, _ x: Float, _ reference: Float) -> Float {
        let relative = 5e-7 * abs(reference)
        switch f {
        case .exp, .sigmoid, .tanh: return relative + 3e-38  // exp flushes results below 2.4e-38 to 0
        case .erf: return relative + 2e-7
        case .gelu, .geluTanh: return relative + 2e-7 * max(1, abs(x))
        }
    }

    @Test(arguments: Kernels.Activation.allCases)
    func vectorKernelMatchesScalarReference(_ f: Kernels.Activation) {
        let x = Self.inputs
        var fast = [Float](repeating: 0, count: x.count)
        var naive = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            fast.withUnsafeMutableBufferPointer {
                Kernels.activation(f, xp.baseAddress!, $0.baseAddress!, count: x.count)
            }
            naive.withUnsafeMutableBufferPointer {
                Kernels.activationNaive(f, xp.baseAddress!, $0.baseAddress!, count: x.count)
            }
        }
        var failures = 0
        for i in x.indices where !(fast[i] == naive[i] || (fast[i].isNaN && naive[i].isNaN)) {
            if abs(fast[i] - naive[i]) > tolerance(f, x[i], naive[i]) {
                failures += 1
                if failures <= 5 { Issue.record("\(f)(\(x[i])): got \(fast[i]), reference \(naive[i])") }
            }
        }
        #expect(failures == 0)
    }

    @Test func nanStaysNaNAndLimitsHold() {
        let x: [Float] = [.nan, .infinity, -.infinity]
        for f in Kernels.Activation.allCases {
            var y = [Float](repeating: 0, count: 3)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer {
                    Kernels.activation(f, xp.baseAddress!, $0.baseAddress!, count: 3)
                }
            }
            #expect(y[0].isNaN, "\(f)")
            let limits: [Kernels.Activation: (Float, Float)] = [
                .exp: (.infinity, 0), .sigmoid: (1, 0), .tanh: (1, -1), .erf: (1, -1),
                .gelu: (.infinity, y[2]),
                .geluTanh: (.infinity, y[2]),
            ]
            #expect(y[1] == limits[f]?.0 && (y[2] == limits[f]?.1 || y[2].isNaN), "\(f)")
        }
    }

    @Test func inPlaceAndShortLengths() {
        for n in [0, 1, 15, 16, 17, 33] {
            var y = (0..<n).map { Float($0) / 8 - 1 }
            let expected = y.map { 1 / (1 + expf(-$0)) }
            y.withUnsafeMutableBufferPointer { p in
                if let base = p.baseAddress { Kernels.activation(.sigmoid, base, base, count: n) }
            }
            for (got, want) in zip(y, expected) { #expect(abs(got - want) <= 1e-6) }
        }
    }
}
