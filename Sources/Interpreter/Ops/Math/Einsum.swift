import GraphIR
import Kernels
import TensorCore

/// Einstein summation over any number of operands.
/// https://onnx.ai/onnx/operators/onnx__Einsum.html
///
/// Two-operand contractions of floats (what transformers export: `bhqd,bhkd->bhqk`,
/// `bij,bjk->bik`, `i,j->ij`) run as batched GEMM: labels split into batch (both inputs and the
/// output), M (A and output), N (B and output) and K (both inputs, summed); each input is used in
/// place when its axes already read as (batch, M, K) or (batch, K, M) — the second via the
/// transpose flag — and copied into that order otherwise. Everything else (one or three
/// operands, diagonals, labels summed within one operand, broadcast labels, integers) runs on a
/// direct loop over all label values.
struct EinsumOp: Operator {
    let equation: EinsumEquation

    init(_ context: OpContext) throws {
        equation = try EinsumEquation(context.node.required("equation", context.node.string))
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let operands = try inputs.indices.map { (i) throws(OpError) in try inputs.required(i) }
        guard let dtype = operands.first?.dtype else { throw OpError("Einsum: needs at least one input") }
        guard operands.allSatisfy({ $0.dtype == dtype }) else {
            throw OpError("Einsum: inputs differ in dtype (\(operands.map(\.dtype.name).joined(separator: ", ")))")
        }
        let bound = try equation.bind(operands.map(\.shape))
        if operands.count == 2, let plan = ContractionPlan(bound) {
            switch dtype {
            case .float32:
                return [try plan.run(operands[0], operands[1], Float.self,
                                     Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))]
            case .float64:
                return [try plan.run(operands[0], operands[1], Double.self,
                                     Kernels.dgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))]
            case .float16, .bfloat16:
                let y = try plan.run(MathSupport.cast(operands[0], to: .float32), MathSupport.cast(operands[1], to: .float32),
                                     Float.self, Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))
                return [try MathSupport.cast(y, to: dtype)]
            default: break
            }
        }
        return [try EinsumNaive.run(bound, operands, dtype: dtype)]
    }
}

/// How a two-operand contraction maps onto batched GEMM.
struct ContractionPlan {
    var batch: [Int], m: [Int], n: [Int], k: [Int]
    var bound: EinsumEquation.Bound

    /// nil when the equation is not a plain contraction of two operands.
    init?(_ bound: EinsumEquation.Bound) {
        let a = bound.operands[0], b = bound.operands[1], out = bound.output
        guard Set(a).count == a.count, Set(b).count == b.count else { return nil }
        // A label on one input only and absent from the output must be summed first: not a GEMM.
        guard a.allSatisfy({ b.contains($0) || out.contains($0) }),
              b.allSatisfy({ a.contains($0) || out.contains($0) }) else { return nil }
        self.bound = bound
        batch = out.filter { a.contains($0) && b.contains($0) }
        m = a.filter { !b.contains($0) }
        n = b.filter { !a.contains($0) }
        k = a.filter { b.contains($0) && !out.contains($0) }
    }

    /// Every axis of both inputs has its label's full size (no size-1 broadcasting).
    func hasNoBroadcast(_ shapes: [[Int]]) -> Bool {
        zip(bound.operands, shapes).allSatisfy { labels, shape in
            zip(labels, shape).allSatisfy { bound.sizes[$0] == $1 }
        }
    }

    func run<T: TensorElement & Numeric>(
        _ a: Tensor, _ b: Tensor, _ type: T.Type, _ gemm: GEMMFunction<T>
    ) throws(OpError) -> Tensor {
        guard hasNoBroadcast([a.shape, b.shape]) else {
            return try EinsumNaive.run(bound, [a, b], dtype: a.dtype)
        }
        let size = { (labels: [Int]) throws(OpError) in try ShapeSupport.product(labels.map { bound.sizes[$0]! }) }
        let (batchCount, rows, cols, inner) = (try size(batch), try size(m), try size(n), try size(k))
        try MathSupport.checkBLAS("Einsum", [rows, cols, inner])
        let (left, transA) = try arrange(a, bound.operands[0], batch + m + k, batch + k + m)
        let (right, transB) = try arrange(b, bound.operands[1], batch + k + n, batch + n + k)
        var product = try ShapeSupport.allocate(T.dtype, (batch + m + n).map { bound.sizes[$0]! })
        if product.count > 0 {
            left.withUnsafeBufferPointer(of: T.self) { pa in
                right.withUnsafeBufferPointer(of: T.self) { pb in
                    product.withUnsafeMutableBufferPointer(of: T.self) { pc in
                        for item in 0..<batchCount {
                            gemm(transA, transB, rows, cols, inner, 1,
                                 pa.baseAddress! + item * rows * inner, max(1, transA ? rows : inner),
                                 pb.baseAddress! + item * inner * cols, max(1, transB ? inner : cols),
                                 0, pc.baseAddress! + item * rows * cols, max(1, cols))
                        }
                    }
                }
            }
        }
        let produced = batch + m + n
        return try MathSupport.permuted(product, bound.output.map { produced.firstIndex(of: $0)! })
    }

    /// `tensor` (axes labelled `labels`) in the `plain` label order, or in `transposed` order
    /// with the flag set when that needs no copy.
    private func arrange(
        _ tensor: Tensor, _ labels: [Int], _ plain: [Int], _ transposed: [Int]
    ) throws(OpError) -> (Tensor, Bool) {
        if labels == plain { return (tensor, false) }
        if labels == transposed { return (tensor, true) }
        return (try MathSupport.permuted(tensor, plain.map { labels.firstIndex(of: $0)! }), false)
    }
}
