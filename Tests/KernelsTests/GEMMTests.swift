import Foundation
import Testing
@testable import Kernels

/// sgemm/dgemm on OpenBLAS against the naive triple loop, over random sizes (odd ones included,
/// so no size is a multiple of a BLAS block) and every transpose combination.
@Suite struct GEMMTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var m, n, k: Int
        var transA, transB: Bool
        var alpha, beta: Float
        var pad: Int  // extra elements per stored row, so leading dimensions exceed the width
        var testDescription: String {
            "m\(m) n\(n) k\(k) tA\(transA) tB\(transB) α\(alpha) β\(beta) pad\(pad)"
        }
    }

    static let cases: [Case] = {
        var rng = SeededRandom(seed: 7)
        var cases: [Case] = []
        for transA in [false, true] {
            for transB in [false, true] {
                for _ in 0..<4 {
                    cases.append(Case(
                        m: Int.random(in: 1...37, using: &rng), n: Int.random(in: 1...41, using: &rng),
                        k: Int.random(in: 1...53, using: &rng), transA: transA, transB: transB,
                        alpha: [1, 0.5, -2].randomElement(using: &rng)!,
                        beta: [0, 1, 0.25].randomElement(using: &rng)!,
                        pad: Int.random(in: 0...3, using: &rng)))
                }
            }
        }
        // Degenerate shapes: a row vector, a column vector, an empty inner dimension.
        cases.append(Case(m: 1, n: 17, k: 9, transA: false, transB: true, alpha: 1, beta: 0, pad: 0))
        // One row goes through sgemv: every flag combination, with padding and beta.
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            cases.append(Case(m: 1, n: 21, k: 11, transA: transA, transB: transB, alpha: 0.5, beta: 1, pad: 3))
        }
        cases.append(Case(m: 13, n: 1, k: 5, transA: true, transB: false, alpha: 1, beta: 1, pad: 2))
        cases.append(Case(m: 3, n: 4, k: 0, transA: false, transB: false, alpha: 1, beta: 0.5, pad: 0))
        return cases
    }()

    @Test(arguments: cases)
    func sgemmMatchesNaive(_ c: Case) {
        var rng = SeededRandom(seed: UInt64(c.m * 10_000 + c.n * 100 + c.k))
        let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + c.pad, ldb = bCols + c.pad, ldc = c.n + c.pad
        let a = rng.floats(max(1, aRows * lda)), b = rng.floats(max(1, bRows * ldb))
        let c0 = rng.floats(c.m * ldc)
        var fast = c0
        fast.withUnsafeMutableBufferPointer { cp in
            Kernels.sgemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                          a: a, lda: max(1, lda), b: b, ldb: max(1, ldb), beta: c.beta,
                          c: cp.baseAddress!, ldc: ldc)
        }
        var naive = c0.map(Double.init)
        let ad = a.map(Double.init), bd = b.map(Double.init)
        naive.withUnsafeMutableBufferPointer { cp in
            Kernels.gemmNaive(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k,
                              alpha: Double(c.alpha), a: ad, lda: max(1, lda), b: bd, ldb: max(1, ldb),
                              beta: Double(c.beta), c: cp.baseAddress!, ldc: ldc)
        }
        // Padding columns of C must be left alone.
        for i in 0..<c.m {
            for j in c.n..<ldc { #expect(fast[i * ldc + j] == c0[i * ldc + j]) }
        }
        #expect(worstError(fast, naive) <= 1, "\(c)")
    }

    @Test func dgemmMatchesNaive() {
        var rng = SeededRandom(seed: 11)
        let m = 19, n = 23, k = 29
        let a = (0..<(k * m)).map { _ in Double.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Double.random(in: -1...1, using: &rng) }
        var fast = [Double](repeating: 1, count: m * n)
        var naive = fast
        Kernels.dgemm(transA: true, transB: false, m: m, n: n, k: k, alpha: 2, a: a, lda: m, b: b, ldb: n,
                      beta: -1, c: &fast, ldc: n)
        Kernels.gemmNaive(transA: true, transB: false, m: m, n: n, k: k, alpha: 2.0, a: a, lda: m, b: b,
                          ldb: n, beta: -1, c: &naive, ldc: n)
        for (x, y) in zip(fast, naive) { #expect(abs(x - y) <= 1e-12 * max(1, abs(y))) }
    }

    @Test func integerNaiveWrapsInsteadOfTrapping() {
        let a: [Int32] = [Int32.max, 2], b: [Int32] = [2, 1]
        var c: [Int32] = [0]
        Kernels.gemmNaive(transA: false, transB: false, m: 1, n: 1, k: 2, alpha: 1, a: a, lda: 2, b: b,
                          ldb: 1, beta: 0, c: &c, ldc: 1)
        // Int32.max·2 wraps to −2, plus 2 gives 0.
        #expect(c == [0])
    }

    @Test func integerNaiveWrapsInAlphaAndBetaWithTransposes() {
        // op(A) = [[Int32.max, 3]] stored transposed, op(B) = [[2], [5]] stored transposed.
        let a: [Int32] = [Int32.max, 3], b: [Int32] = [2, 5]
        var c: [Int32] = [Int32.max]
        Kernels.gemmNaive(transA: true, transB: true, m: 1, n: 1, k: 2, alpha: 3, a: a, lda: 1, b: b,
                          ldb: 2, beta: 2, c: &c, ldc: 1)
        // Sum: −2 + 15 = 13; alpha·13 = 39; beta·Int32.max wraps to −2; 39 − 2 = 37.
        #expect(c == [37])
    }

    @Test func handComputedProduct() {
        // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: .nan, count: 4)  // beta 0 must ignore what C held
        Kernels.sgemm(transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1, a: a, lda: 3, b: b, ldb: 2,
                      beta: 0, c: &c, ldc: 2)
        #expect(c == [58, 64, 139, 154])
    }

    @Test func threadCountRoundTrips() {
        let before = Kernels.threads
        Kernels.setThreads(1)
        #expect(Kernels.threads == 1)
        Kernels.setThreads(before)
        #expect(Kernels.threads == before)
        // The kernels split products themselves; OpenBLAS stays on the calling thread.
        #expect(Kernels.blasLibraryThreads == 1)
    }
}

/// Which OpenBLAS kernels the products run on.
@Suite struct BLASCoreTests {
    @Test func amdGivenAVX512KernelsTakesHaswell() {
        for core in ["SkylakeX", "Cooperlake", "SapphireRapids"] {
            #expect(Kernels.preferredBLASCore(isAMD: true, current: core, userChoice: nil) == "Haswell")
        }
    }

    @Test func otherChoicesAreKept() {
        #expect(Kernels.preferredBLASCore(isAMD: false, current: "Cooperlake", userChoice: nil) == nil, "Intel")
        #expect(Kernels.preferredBLASCore(isAMD: true, current: "Zen", userChoice: nil) == nil, "already AVX2")
        #expect(Kernels.preferredBLASCore(isAMD: true, current: "Haswell", userChoice: nil) == nil)
        #expect(Kernels.preferredBLASCore(isAMD: true, current: "Cooperlake", userChoice: "Cooperlake") == nil,
                "the user's OPENBLAS_CORETYPE wins")
        #expect(Kernels.preferredBLASCore(isAMD: true, current: "SkylakeX", userChoice: "Zen") == nil)
    }

    /// On this machine the choice took effect: an AMD CPU without OPENBLAS_CORETYPE does not run
    /// AVX-512 kernels (the products themselves are checked against naive loops above).
    @Test func choiceTookEffect() {
        let core = Kernels.blasCore
        #expect(!core.isEmpty)
        if Kernels.cpuIsAMD && ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(!["SkylakeX", "Cooperlake", "SapphireRapids"].contains(core), "\(core)")
        }
    }
}
