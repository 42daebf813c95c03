import GraphIR
import Kernels
import TensorCore

/// General matrix multiplication `Y = alpha·A'·B' + beta·C`, A' = transpose(A) when `transA`,
/// B' likewise; C broadcasts unidirectionally to (M, N).
/// https://onnx.ai/onnx/operators/onnx__Gemm.html
///
/// Transposes become BLAS flags (no transposed copy); C, when present, is written into Y
/// first and BLAS accumulates onto it with `beta`.
struct GemmOp: Operator {
    let transA: Bool
    let transB: Bool
    let alpha: Float
    let beta: Float

    init(_ context: OpContext) throws {
        let node = context.node
        transA = try node.int("transA", default: 0) != 0
        transB = try node.int("transB", default: 0) != 0
        alpha = try node.float("alpha", default: 1)
        beta = try node.float("beta", default: 1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1), c = inputs.optional(2)
        guard a.rank == 2, b.rank == 2 else {
            throw OpError("Gemm: A and B must be 2-D, got A \(MathSupport.text(a.shape)), B \(MathSupport.text(b.shape))")
        }
        guard a.dtype == b.dtype, c == nil || c?.dtype == a.dtype else {
            throw OpError("Gemm: inputs differ in dtype (A \(a.dtype), B \(b.dtype)\(c.map { ", C \($0.dtype)" } ?? ""))")
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kB, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kB else {
            throw OpError("Gemm: inner dimensions \(k) and \(kB) differ (A \(MathSupport.text(a.shape)) transA=\(transA ? 1 : 0), "
                + "B \(MathSupport.text(b.shape)) transB=\(transB ? 1 : 0))")
        }
        if let c {
            guard c.rank <= 2, (try? Shape.broadcast(c.shape, [m, n])) == [m, n] else {
                throw OpError("Gemm: C of shape \(MathSupport.text(c.shape)) does not broadcast to [\(m),\(n)]")
            }
        }
        try MathSupport.checkBLAS("Gemm", [m, n, k])
        let sizes = Sizes(m: m, n: n, k: k)
        switch a.dtype {
        case .float32:
            return [try run(a, b, c, sizes, alpha, beta, Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))]
        case .float64:
            return [try run(a, b, c, sizes, Double(alpha), Double(beta),
                            Kernels.dgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))]
        case .float16, .bfloat16:
            let y = try run(MathSupport.cast(a, to: .float32), MathSupport.cast(b, to: .float32),
                            c.map { c throws(OpError) in try MathSupport.cast(c, to: .float32) }, sizes, alpha, beta,
                            Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))
            return [try MathSupport.cast(y, to: a.dtype)]
        case .int32: return [try runInteger(a, b, c, sizes, Int32.self)]
        case .int64: return [try runInteger(a, b, c, sizes, Int64.self)]
        case .uint32: return [try runInteger(a, b, c, sizes, UInt32.self)]
        case .uint64: return [try runInteger(a, b, c, sizes, UInt64.self)]
        default: throw OpError("Gemm: dtype \(a.dtype) is not supported")
        }
    }

    struct Sizes { var m, n, k: Int }

    private func runInteger<T: TensorElement & FixedWidthInteger>(
        _ a: Tensor, _ b: Tensor, _ c: Tensor?, _ sizes: Sizes, _ type: T.Type
    ) throws(OpError) -> Tensor {
        let alpha = try MathSupport.exactInteger(alpha, "Gemm: alpha", T.self)
        let beta = try MathSupport.exactInteger(beta, "Gemm: beta", T.self)
        return try run(a, b, c, sizes, alpha, beta, Kernels.gemmNaive)
    }

    private func run<T: TensorElement & Numeric>(
        _ a: Tensor, _ b: Tensor, _ c: Tensor?, _ sizes: Sizes, _ alpha: T, _ beta: T, _ gemm: GEMMFunction<T>
    ) throws(OpError) -> Tensor {
        let (m, n, k) = (sizes.m, sizes.n, sizes.k)
        var y = try ShapeSupport.allocate(T.dtype, [m, n])
        guard y.count > 0 else { return y }
        let accumulate = c != nil && beta != 0
        if let c, accumulate {
            let strides = Shape.broadcastStrides(c.shape, to: [m, n])
            c.withUnsafeBufferPointer(of: T.self) { pc in
                y.withUnsafeMutableBufferPointer(of: T.self) { py in
                    for i in 0..<m {
                        for j in 0..<n { py[i * n + j] = pc[i * strides[0] + j * strides[1]] }
                    }
                }
            }
        }
        let (transA, transB) = (self.transA, self.transB)
        a.withUnsafeBufferPointer(of: T.self) { pa in
            b.withUnsafeBufferPointer(of: T.self) { pb in
                y.withUnsafeMutableBufferPointer(of: T.self) { py in
                    gemm(transA, transB, m, n, k, alpha, pa.baseAddress!, max(1, a.shape[1]),
                         pb.baseAddress!, max(1, b.shape[1]), accumulate ? beta : 0, py.baseAddress!, n)
                }
            }
        }
        return y
    }
}
