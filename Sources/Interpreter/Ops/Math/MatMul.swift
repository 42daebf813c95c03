import Kernels
import TensorCore

/// Matrix product with NumPy `matmul` semantics.
/// https://onnx.ai/onnx/operators/onnx__MatMul.html
///
/// A 1-D A is a row vector and a 1-D B a column vector; the added axis is dropped from the
/// result. Dimensions before the last two are batch dimensions and broadcast. float32 and
/// float64 run on BLAS, float16 and bfloat16 through float32, integers on a wrapping loop.
///
/// With `transposedB` (the plan's fusion of `MatMul(A, Transpose(B))` where the transpose swaps
/// the last two axes) B arrives untransposed and the swap goes into the BLAS flag.
struct MatMulOp: Operator {
    var transposedB = false

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1)
        guard a.dtype == b.dtype else { throw OpError("MatMul: A is \(a.dtype) but B is \(b.dtype)") }
        var bShape = b.shape
        if transposedB {
            guard bShape.count >= 2 else { throw OpError("MatMul: transposed B must have rank ≥ 2, got \(MathSupport.text(bShape))") }
            bShape.swapAt(bShape.count - 1, bShape.count - 2)
        }
        var layout = try MatMulLayout(a.shape, bShape)
        layout.transposedB = transposedB
        switch a.dtype {
        case .float32:
            return [try layout.run(a, b, Float.self, Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))]
        case .float64:
            return [try layout.run(a, b, Double.self, Kernels.dgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))]
        case .float16, .bfloat16:
            let product = try layout.run(
                MathSupport.cast(a, to: .float32), MathSupport.cast(b, to: .float32), Float.self,
                Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))
            return [try MathSupport.cast(product, to: a.dtype)]
        case .int32: return [try layout.run(a, b, Int32.self, Kernels.gemmNaive)]
        case .int64: return [try layout.run(a, b, Int64.self, Kernels.gemmNaive)]
        case .uint32: return [try layout.run(a, b, UInt32.self, Kernels.gemmNaive)]
        case .uint64: return [try layout.run(a, b, UInt64.self, Kernels.gemmNaive)]
        default: throw OpError("MatMul: dtype \(a.dtype) is not supported")
        }
    }
}

/// Row-major GEMM with the argument order of ``Kernels/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
typealias GEMMFunction<T> = (
    Bool, Bool, Int, Int, Int, T, UnsafePointer<T>, Int, UnsafePointer<T>, Int, T, UnsafeMutablePointer<T>, Int
) -> Void

/// Sizes of one MatMul: A is (batchA…, m, k), B is (batchB…, k, n), the result (batch…, m, n)
/// with the vector axes dropped.
struct MatMulLayout {
    var m, n, k: Int
    var batchA, batchB, batch: [Int]
    var outputShape: [Int]
    /// B is stored (…, n, k): each matrix is read transposed.
    var transposedB = false

    init(_ aShape: [Int], _ bShape: [Int]) throws(OpError) {
        guard !aShape.isEmpty, !bShape.isEmpty else {
            throw OpError("MatMul: operands must have rank ≥ 1 (A \(MathSupport.text(aShape)), B \(MathSupport.text(bShape)))")
        }
        let a = aShape.count == 1 ? [1] + aShape : aShape
        let b = bShape.count == 1 ? bShape + [1] : bShape
        m = a[a.count - 2]
        k = a[a.count - 1]
        n = b[b.count - 1]
        guard b[b.count - 2] == k else {
            throw OpError("MatMul: inner dimensions \(k) and \(b[b.count - 2]) differ "
                + "(A \(MathSupport.text(aShape)), B \(MathSupport.text(bShape)))")
        }
        batchA = Array(a.dropLast(2))
        batchB = Array(b.dropLast(2))
        do { batch = try Shape.broadcast(batchA, batchB) } catch {
            throw OpError("MatMul: batch dimensions \(MathSupport.text(batchA)) and \(MathSupport.text(batchB)) "
                + "do not broadcast (A \(MathSupport.text(aShape)), B \(MathSupport.text(bShape)))")
        }
        outputShape = batch + (aShape.count == 1 ? [] : [m]) + (bShape.count == 1 ? [] : [n])
    }

    /// A·B with `gemm` on elements of type `T`: one call when B is a single matrix shared by
    /// the whole batch (the batch folds into the rows of A), else one call per batch index.
    func run<T: TensorElement & Numeric>(
        _ a: Tensor, _ b: Tensor, _ type: T.Type, _ gemm: GEMMFunction<T>
    ) throws(OpError) -> Tensor {
        var out = try ShapeSupport.allocate(T.dtype, outputShape)
        let batchCount = try ShapeSupport.product(batch)
        let countA = try ShapeSupport.product(batchA), countB = try ShapeSupport.product(batchB)
        guard out.count > 0 else { return out }
        let folds = countB == 1 && countA == batchCount
        try MathSupport.checkBLAS("MatMul", [folds ? m * batchCount : m, n, k])
        let (m, n, k, transB) = (self.m, self.n, self.k, transposedB)
        let ldb = max(1, transB ? k : n)
        a.withUnsafeBufferPointer(of: T.self) { pa in
            b.withUnsafeBufferPointer(of: T.self) { pb in
                out.withUnsafeMutableBufferPointer(of: T.self) { pc in
                    let (a, b, c) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                    if folds {
                        gemm(false, transB, batchCount * m, n, k, 1, a, max(1, k), b, ldb, 0, c, max(1, n))
                        return
                    }
                    let matricesA = MatrixLayout(
                        offset: 0, batchStrides: Shape.broadcastStrides(batchA, to: batch).map { $0 * m * k },
                        ld: max(1, k), transposed: false)
                    let matricesB = MatrixLayout(
                        offset: 0, batchStrides: Shape.broadcastStrides(batchB, to: batch).map { $0 * k * n },
                        ld: ldb, transposed: transB)
                    let matricesC = MatrixLayout(
                        offset: 0, batchStrides: Shape.strides(batch).map { $0 * m * n }, ld: max(1, n),
                        transposed: false)
                    runBatch(a, matricesA, b, matricesB, c, matricesC, alpha: 1, gemm)
                }
            }
        }
        return out
    }

    /// One product per batch index, each matrix where its layout says. Batch items (attention
    /// heads) go to the threads whole when they are small or many; else they run one after
    /// another, each split over the threads by the GEMM itself.
    func runBatch<T: Numeric>(
        _ a: UnsafePointer<T>, _ matricesA: MatrixLayout, _ b: UnsafePointer<T>, _ matricesB: MatrixLayout,
        _ c: UnsafeMutablePointer<T>, _ matricesC: MatrixLayout, alpha: T, _ gemm: GEMMFunction<T>
    ) {
        let (m, n, k, batch) = (self.m, self.n, self.k, self.batch)
        let batchCount = batch.reduce(1, *)
        let small = Double(m) * Double(n) * Double(k) < Double(Kernels.minimumSplitWork)
        let whole = small || batchCount >= 4 * Kernels.threads
        Kernels.parallelParts(batchCount, minimumPart: whole ? 1 : batchCount) { items in
            for item in items {
                var (offsetA, offsetB, offsetC) = (matricesA.offset, matricesB.offset, matricesC.offset)
                var rest = item
                for axis in batch.indices.reversed() {
                    let index = rest % batch[axis]
                    rest /= batch[axis]
                    offsetA += index * matricesA.batchStrides[axis]
                    offsetB += index * matricesB.batchStrides[axis]
                    offsetC += index * matricesC.batchStrides[axis]
                }
                gemm(matricesA.transposed, matricesB.transposed, m, n, k, alpha, a + offsetA, matricesA.ld,
                     b + offsetB, matricesB.ld, 0, c + offsetC, matricesC.ld)
            }
        }
    }
}

/// Where the matrices of one MatMul operand (or result) lie in its buffer: the first at
/// `offset`, batch index i on axis a `batchStrides[a]` elements further (0 where the operand
/// broadcasts), rows `ld` apart, stored transposed when `transposed`.
struct MatrixLayout {
    var offset: Int
    var batchStrides: [Int]
    var ld: Int
    var transposed: Bool
}
