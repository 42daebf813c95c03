/// Kernels: pointer + size loops (BLAS calls, SIMD loops) with naive references beside them.
/// They know nothing of graphs or nodes; the interpreter's ops call them.
public enum Kernels {}
