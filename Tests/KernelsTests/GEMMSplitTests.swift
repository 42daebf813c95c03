import Testing
@testable import Kernels

/// Products large enough to split over the threads (by columns when C is wide, by rows when it
/// is tall, sgemv's rows or columns for one row) against the naive loop, with a helper thread
/// whatever the machine's cores.
@Suite(.serialized) struct GEMMSplitTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var m, n, k: Int
        var transA, transB: Bool
        var testDescription: String { "m\(m) n\(n) k\(k) tA\(transA) tB\(transB)" }
    }

    static let cases: [Case] = [false, true].flatMap { transA in
        [false, true].flatMap { transB in
            [
                Case(m: 37, n: 613, k: 45, transA: transA, transB: transB),  // wide: columns
                Case(m: 611, n: 35, k: 47, transA: transA, transB: transB),  // tall: rows
                Case(m: 1, n: 4099, k: 129, transA: transA, transB: transB),  // one row: sgemv
                // parts wider than 2 × columnChunk go in several calls each
                Case(m: 5, n: 4500, k: 20, transA: transA, transB: transB),
                Case(m: 1, n: 9001, k: 33, transA: transA, transB: transB),
            ]
        }
    }

    @Test(arguments: cases)
    func splitProductsMatchNaive(_ c: Case) {
        #expect(Double(c.m) * Double(c.n) * Double(c.k) >= Double(Kernels.minimumSplitWork), "the case must split")
        #expect(Kernels.columnChunk == 1024, "the chunked cases are sized for 1024-column chunks")
        var rng = SeededRandom(seed: UInt64(c.m * 7 + c.n))
        let pad = 3
        let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + pad, ldb = bCols + pad, ldc = c.n + pad
        let a = rng.floats(aRows * lda), b = rng.floats(bRows * ldb), c0 = rng.floats(c.m * ldc)
        var fast = c0
        Kernels.helpersOverride = 1
        defer { Kernels.helpersOverride = nil }
        fast.withUnsafeMutableBufferPointer { cp in
            Kernels.sgemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: 0.5, a: a, lda: lda,
                          b: b, ldb: ldb, beta: 2, c: cp.baseAddress!, ldc: ldc)
        }
        var naive = c0.map(Double.init)
        let ad = a.map(Double.init), bd = b.map(Double.init)
        naive.withUnsafeMutableBufferPointer { cp in
            Kernels.gemmNaive(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: 0.5, a: ad,
                              lda: lda, b: bd, ldb: ldb, beta: 2, c: cp.baseAddress!, ldc: ldc)
        }
        #expect(worstError(fast, naive) <= 1, "\(c)")
        var padding = 0
        for i in 0..<c.m {
            for j in c.n..<ldc where fast[i * ldc + j] != c0[i * ldc + j] { padding += 1 }
        }
        #expect(padding == 0, "columns past n are left alone")
    }

    @Test func dgemmSplitsToo() {
        var rng = SeededRandom(seed: 3)
        let (m, n, k) = (29, 700, 31)
        let a = (0..<(m * k)).map { _ in Double.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Double.random(in: -1...1, using: &rng) }
        var fast = [Double](repeating: 0, count: m * n), naive = fast
        Kernels.helpersOverride = 1
        defer { Kernels.helpersOverride = nil }
        Kernels.dgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                      beta: 0, c: &fast, ldc: n)
        Kernels.gemmNaive(transA: false, transB: false, m: m, n: n, k: k, alpha: 1.0, a: a, lda: k, b: b, ldb: n,
                          beta: 0, c: &naive, ldc: n)
        #expect(zip(fast, naive).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    }
}
