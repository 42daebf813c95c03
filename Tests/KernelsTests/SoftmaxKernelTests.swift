import Foundation
import Kernels
import Testing

/// The SIMD softmax kernels against the Double reference, on random (outer, length, inner)
/// layouts whose lengths straddle the 16-lane vector width.
@Suite struct SoftmaxKernelTests {
    static let layouts: [(outer: Int, length: Int, inner: Int)] = [
        (1, 1, 1), (3, 5, 1), (2, 16, 1), (4, 17, 1), (1, 33, 1), (5, 100, 1), (2, 7, 3), (3, 19, 4), (1, 1, 6),
    ]

    @Test(arguments: layouts.indices, [false, true])
    func matchesNaive(_ index: Int, _ log: Bool) {
        let (outer, length, inner) = Self.layouts[index]
        var rng = SeededRandom(seed: UInt64(index + 1))
        let x = rng.floats(outer * length * inner, in: -20...20)
        var fast = [Float](repeating: .nan, count: x.count)
        if log {
            Kernels.logSoftmax(x, &fast, outer: outer, length: length, inner: inner)
        } else {
            Kernels.softmax(x, &fast, outer: outer, length: length, inner: inner)
        }
        var naive = [Double](repeating: .nan, count: x.count)
        Kernels.softmaxNaive(x.map(Double.init), &naive, outer: outer, length: length, inner: inner, log: log)
        #expect(worstError(fast, naive, atol: 1e-6, rtol: 1e-5) <= 1)
    }

    @Test func handComputedRow() {
        // softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6; log-softmax = [0, ln 2, ln 3] − ln 6.
        let x: [Float] = [0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0))]
        var y = [Float](repeating: 0, count: 3)
        Kernels.softmax(x, &y, outer: 1, length: 3, inner: 1)
        for (got, want) in zip(y, [1.0 / 6, 2.0 / 6, 3.0 / 6]) { #expect(abs(Double(got) - want) < 1e-6) }
        Kernels.logSoftmax(x, &y, outer: 1, length: 3, inner: 1)
        for (got, want) in zip(y, [0, Foundation.log(2.0), Foundation.log(3.0)].map { $0 - Foundation.log(6.0) }) {
            #expect(abs(Double(got) - want) < 1e-6)
        }
    }

    @Test func maskedScoresGiveExactZeros() {
        // Attention masks put −inf or −1e9 on hidden positions; their probability must be 0.
        var x = [Float](repeating: 0, count: 20)
        x[3] = -.infinity
        x[17] = -1e9
        var y = [Float](repeating: 0, count: 20)
        Kernels.softmax(x, &y, outer: 1, length: 20, inner: 1)
        #expect(y[3] == 0 && y[17] == 0)
        #expect(abs(y[0] - 1 / 18) < 1e-7)
    }

    /// Causal rows (masked with −inf, or with the float minimum as torch's exports do): whole
    /// vectors of masked scores skip the exp and still give exact zeros; a row of nothing but
    /// −inf stays NaN (its maximum is −inf), as the reference gives.
    @Test(arguments: [1, 15, 16, 17, 40, 127], [-Float.infinity, -Float.greatestFiniteMagnitude])
    func causalRowsMatchTheReference(visible: Int, mask: Float) {
        let length = 130
        var rng = SeededRandom(seed: UInt64(visible))
        let x = rng.floats(visible, in: -6...6) + [Float](repeating: mask, count: length - visible)
        var y = [Float](repeating: .nan, count: length)
        Kernels.softmax(x, &y, outer: 1, length: length, inner: 1)
        var naive = [Double](repeating: .nan, count: length)
        Kernels.softmaxNaive(x.map(Double.init), &naive, outer: 1, length: length, inner: 1)
        #expect(worstError(y, naive, atol: 1e-7, rtol: 1e-5) <= 1)
        #expect(y[visible...].allSatisfy { $0 == 0 })
        let masked = [Float](repeating: -.infinity, count: 40)
        var z = [Float](repeating: 0, count: 40)
        Kernels.softmax(masked, &z, outer: 1, length: 40, inner: 1)
        #expect(z.allSatisfy { $0.isNaN })
    }

    @Test func largeInputsDoNotOverflow() {
        let x: [Float] = [1000, 1001, 1002]
        var y = [Float](repeating: 0, count: 3)
        Kernels.softmax(x, &y, outer: 1, length: 3, inner: 1)
        let e = [1, M_E, M_E * M_E], s = e.reduce(0, +)
        for (got, want) in zip(y, e.map { $0 / s }) { #expect(abs(Double(got) - want) < 1e-6) }
    }

    @Test func nanPropagatesToTheWholeRow() {
        let x: [Float] = [1, .nan, 2, 3]
        var y = [Float](repeating: 0, count: 4)
        Kernels.softmax(x, &y, outer: 1, length: 4, inner: 1)
        #expect(y.allSatisfy { $0.isNaN })
    }

    @Test func inPlace() {
        var x: [Float] = (0..<21).map { Float($0) / 4 }
        var expected = [Double](repeating: 0, count: 21)
        Kernels.softmaxNaive(x.map(Double.init), &expected, outer: 1, length: 21, inner: 1)
        x.withUnsafeMutableBufferPointer { p in
            Kernels.softmax(p.baseAddress!, p.baseAddress!, outer: 1, length: 21, inner: 1)
        }
        #expect(worstError(x, expected, atol: 1e-7, rtol: 1e-5) <= 1)
    }

    /// The vector exp over its whole range, through softmax of a two-element row [x, 0]:
    /// softmax = [e^x / (e^x + 1), 1 / (e^x + 1)].
    @Test(arguments: [-86.0, -50, -10.5, -1, -0.001, 0, 0.3, 7, 40, 80] as [Double])
    func vectorExpAcrossRange(_ v: Double) {
        let x: [Float] = [Float(v), 0]
        var y: [Float] = [0, 0]
        Kernels.softmax(x, &y, outer: 1, length: 2, inner: 1)
        let ex = Foundation.exp(Double(Float(v)))
        let expected = [ex / (ex + 1), 1 / (ex + 1)]
        #expect(worstError(y, expected, atol: 1e-30, rtol: 1e-6) <= 1, "x = \(v): \(y) vs \(expected)")
    }
}
