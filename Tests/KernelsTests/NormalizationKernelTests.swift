import Kernels
import Testing

/// Layer and RMS normalization kernels against the Double reference.
@Suite struct NormalizationKernelTests {
    @Test(arguments: [(1, 1), (3, 7), (2, 16), (4, 33), (5, 768), (1, 100)])
    func layerNormalizationMatchesNaive(_ rows: Int, _ cols: Int) {
        var rng = SeededRandom(seed: UInt64(rows * 1000 + cols))
        // An offset mean checks the two-pass variance (one-pass E[x²]−E[x]² would lose digits).
        let x = rng.floats(rows * cols, in: 99...101)
        let scale = rng.floats(cols), bias = rng.floats(cols)
        for useAffine in [false, true] {
            var y = [Float](repeating: .nan, count: x.count)
            var mean = [Float](repeating: .nan, count: rows), inv = mean
            Kernels.layerNormalization(x, &y, rows: rows, cols: cols, scale: useAffine ? scale : nil,
                                       bias: useAffine ? bias : nil, epsilon: 1e-5, mean: &mean, invStdDev: &inv)
            var yd = [Double](repeating: .nan, count: x.count)
            var meanD = [Double](repeating: .nan, count: rows), invD = meanD
            let sd = scale.map(Double.init), bd = bias.map(Double.init)
            Kernels.normalizationNaive(x.map(Double.init), &yd, rows: rows, cols: cols,
                                       scale: useAffine ? sd : nil, bias: useAffine ? bd : nil,
                                       epsilon: 1e-5, mean: &meanD, invStdDev: &invD)
            // Float inputs near 100 carry ~1e-5 absolute error, i.e. up to ~1e-3 once divided by a
            // standard deviation of ~0.6 (single-element rows have variance 0: y = 0·… exactly).
            #expect(worstError(y, yd, atol: 2e-3, rtol: 1e-3) <= 1)
            #expect(worstError(mean, meanD, atol: 0, rtol: 1e-6) <= 1)
            #expect(worstError(inv, invD, atol: 1e-3, rtol: 1e-3) <= 1)
        }
    }

    @Test(arguments: [(1, 1), (3, 7), (2, 16), (4, 33), (2, 4096)])
    func rmsNormalizationMatchesNaive(_ rows: Int, _ cols: Int) {
        var rng = SeededRandom(seed: UInt64(rows * 7 + cols))
        let x = rng.floats(rows * cols, in: -3...3), scale = rng.floats(cols)
        var y = [Float](repeating: .nan, count: x.count)
        Kernels.rmsNormalization(x, &y, rows: rows, cols: cols, scale: scale, epsilon: 1e-6)
        var yd = [Double](repeating: .nan, count: x.count)
        Kernels.normalizationNaive(x.map(Double.init), &yd, rows: rows, cols: cols, scale: scale.map(Double.init),
                                   bias: nil, epsilon: 1e-6, rms: true)
        #expect(worstError(y, yd, atol: 1e-5, rtol: 1e-4) <= 1)
    }

    @Test func handComputedLayerNormalization() {
        // Row [1, 2, 3, 4]: mean 2.5, variance 1.25, y = (x − 2.5) / sqrt(1.25) with epsilon 0.
        let x: [Float] = [1, 2, 3, 4]
        var y = [Float](repeating: 0, count: 4)
        var mean: [Float] = [0], inv: [Float] = [0]
        Kernels.layerNormalization(x, &y, rows: 1, cols: 4, scale: nil, bias: nil, epsilon: 0,
                                   mean: &mean, invStdDev: &inv)
        let s = Float(1.25).squareRoot()
        for (got, want) in zip(y, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]) { #expect(abs(got - want) < 1e-6) }
        #expect(mean == [2.5])
        #expect(abs(inv[0] - 1 / s) < 1e-6)
    }
}
