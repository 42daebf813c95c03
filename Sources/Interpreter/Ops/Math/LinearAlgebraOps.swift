/// Registers the matrix-product ops: MatMul, Gemm and Einsum. Each op's semantics live in its
/// own file; every product runs on BLAS where the element type allows it.
func registerLinearAlgebraOps(_ registry: inout OpRegistry) {
    registry.register("MatMul", since: 1) { _ in MatMulOp() }
    // Made by the plan from MatMul(A, Transpose(B)); see Plan.fuseTransposedMatMuls.
    registry.register("MatMulTransposedB", domain: Plan.internalDomain) { _ in MatMulOp(transposedB: true) }
    registry.register("Gemm", since: 1) { try GemmOp($0) }
    registry.register("Einsum", since: 12) { try EinsumOp($0) }
}
