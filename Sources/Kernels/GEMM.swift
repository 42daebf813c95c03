import COpenBLAS

/// Matrix products on OpenBLAS, with naive references for tests and for element types BLAS does
/// not cover. All matrices are row-major; a leading dimension is the distance in elements
/// between the starts of two consecutive rows of the matrix as stored.
extension Kernels {
    /// The largest dimension or leading dimension BLAS accepts (`blasint` is 32-bit here).
    /// Callers check their sizes against it and throw; the kernels only assert it.
    public static let maxBLASDimension = Int(Int32.max)

    /// Row-major `C = alpha·op(A)·op(B) + beta·C` on `cblas_sgemm`.
    ///
    /// op(A) is (m, k) and op(B) is (k, n); A is stored (m, k) with `lda ≥ k`, or (k, m) with
    /// `lda ≥ m` when `transA`; B is stored (k, n) with `ldb ≥ n`, or (n, k) with `ldb ≥ k`
    /// when `transB`; C is (m, n) with `ldc ≥ n`. When `beta` is 0, C need not be initialised.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        checkGEMMArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        guard m > 0, n > 0 else { return }
        // BLAS rejects k = 0 (lda would be < 1); the product is empty, so only beta·C remains.
        guard k > 0 else { return scaleRows(c, m: m, n: n, ldc: ldc, by: beta) }
        splitGEMM(transA, transB, m, n, k, a, lda, b, ldb, c, ldc) { block in
            if block.m == 1 {
                // One row (a generation step with a KV cache): y = op(B)ᵀ·x on sgemv, which streams
                // B once instead of packing it as sgemm does. x is A's row, strided by lda when transA.
                let (rows, cols) = transB ? (block.n, k) : (k, block.n)
                cblas_sgemv(
                    CblasRowMajor, transB ? CblasNoTrans : CblasTrans, Int32(rows), Int32(cols), alpha,
                    block.b, Int32(ldb), block.a, Int32(transA ? lda : 1), beta, block.c, 1)
                return
            }
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(block.m), Int32(block.n), Int32(k), alpha, block.a, Int32(lda), block.b, Int32(ldb), beta,
                block.c, Int32(ldc))
        }
    }

    /// Row-major `C = alpha·op(A)·op(B) + beta·C` on `cblas_dgemm`; see ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    public static func dgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        checkGEMMArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        guard m > 0, n > 0 else { return }
        guard k > 0 else { return scaleRows(c, m: m, n: n, ldc: ldc, by: beta) }
        splitGEMM(transA, transB, m, n, k, a, lda, b, ldb, c, ldc) { block in
            cblas_dgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(block.m), Int32(block.n), Int32(k), alpha, block.a, Int32(lda), block.b, Int32(ldb), beta,
                block.c, Int32(ldc))
        }
    }

    /// Naive triple loop with the same contract as ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``;
    /// sums in the element type.
    public static func gemmNaive<T: FloatingPoint>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: T, a: UnsafePointer<T>, lda: Int,
        b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        naiveLoop(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, add: +, multiply: *)
    }

    /// Naive integer GEMM with the same contract; arithmetic wraps on overflow, as NumPy's does.
    public static func gemmNaive<T: FixedWidthInteger>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: T, a: UnsafePointer<T>, lda: Int,
        b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        naiveLoop(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, add: &+, multiply: &*)
    }

    /// The loop of both ``gemmNaive`` overloads, with the element type's `add` and `multiply`
    /// (wrapping for integers). Inlined so that each overload gets its own loop with the
    /// operators in place, as when each wrote it out.
    @inline(__always)
    private static func naiveLoop<T: Numeric>(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int,
        _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int,
        add: (T, T) -> T, multiply: (T, T) -> T
    ) {
        checkGEMMArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n {
                var sum: T = 0
                for p in 0..<k {
                    let aip = transA ? a[p * lda + i] : a[i * lda + p]
                    let bpj = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum = add(sum, multiply(aip, bpj))
                }
                let old = beta == 0 ? 0 : multiply(beta, c[i * ldc + j])
                c[i * ldc + j] = add(multiply(alpha, sum), old)
            }
        }
    }

    /// Rows or columns of C computed by one call, and where their operands start.
    struct GEMMBlock<T> {
        var m, n: Int
        var a: UnsafePointer<T>
        var b: UnsafePointer<T>
        var c: UnsafeMutablePointer<T>
    }

    /// Products below this many multiply-adds run on one thread (OpenBLAS's own threshold).
    public static let minimumSplitWork = 1 << 18

    /// A column part wider than twice this is computed as several calls about this wide.
    public static let columnChunk = 1024

    /// Calls `block` for parts of C, one per thread, in parallel: blocks of columns when C is
    /// at least as wide as it is tall (each part packs all of A, the smaller operand), else
    /// blocks of rows. Bounds fall on multiples of 16, the width of OpenBLAS's kernels.
    ///
    /// A wide part (the 50257-column output projection) goes in calls of about ``columnChunk``
    /// columns, so that the slice of B OpenBLAS packs stays in cache between packing and use:
    /// measured from C on GPT-2 small's output projection, 22 ms → 19 ms at 32 rows and
    /// 57 → 54 ms at 128 rows, and no change on products only 2304–3072 wide.
    static func splitGEMM<T>(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, _ block: (GEMMBlock<T>) -> Void
    ) {
        _ = blasThreads  // OpenBLAS on one thread before its first call
        let helpers = self.helpers
        let work = Double(m) * Double(n) * Double(k)
        let parts = helpers == 0 ? 1 : Int(Swift.min(Double(helpers + 1), work / Double(minimumSplitWork)))
        let width = 16
        if n >= m {
            runParts((n + width - 1) / width, parts: parts, helpers: helpers) { blocks in
                let first = blocks.lowerBound * width, end = Swift.min(n, blocks.upperBound * width)
                let chunks = end - first > 2 * columnChunk ? (end - first + columnChunk - 1) / columnChunk : 1
                let step = ((end - first + chunks - 1) / chunks + width - 1) / width * width
                for start in stride(from: first, to: end, by: step) {
                    let stop = Swift.min(end, start + step)
                    block(GEMMBlock(m: m, n: stop - start, a: a, b: transB ? b + start * ldb : b + start, c: c + start))
                }
            }
        } else {
            runParts((m + width - 1) / width, parts: parts, helpers: helpers) { blocks in
                let first = blocks.lowerBound * width, end = Swift.min(m, blocks.upperBound * width)
                block(GEMMBlock(m: end - first, n: n, a: transA ? a + first : a + first * lda, b: b, c: c + first * ldc))
            }
        }
    }

    private static func checkGEMMArguments(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM size")
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= maxBLASDimension }, "GEMM size exceeds BLAS range")
        precondition(lda >= max(1, transA ? m : k), "lda too small")
        precondition(ldb >= max(1, transB ? k : n), "ldb too small")
        precondition(ldc >= max(1, n), "ldc too small")
    }

    private static func scaleRows<T: FloatingPoint>(
        _ c: UnsafeMutablePointer<T>, m: Int, n: Int, ldc: Int, by beta: T
    ) {
        for i in 0..<m {
            for j in 0..<n {
                // beta = 0 overwrites (C may be uninitialised), as BLAS does.
                c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j]
            }
        }
    }
}
