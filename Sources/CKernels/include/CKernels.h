#ifndef ONNXPATCH_CKERNELS_H
#define ONNXPATCH_CKERNELS_H

/* Kernels written in C so that the compiler may build them twice, for baseline x86-64 and for
 * x86-64-v3 (AVX2), and pick one when the program loads (`target_clones`); Swift has no such
 * per-function target. Each performs exactly the IEEE operations of the Swift kernel it stands
 * for, in the same order and without fused multiply-adds, so results are bitwise the same. */

/* y[i] = (x·h)·(tanh(k·(x + c·x³)) + one) for i < n, with Kernels.tanhVector's tanh. */
void onnxpatch_gelu_tanh(const float *x, float *y, long n, float h, float c, float k, float one);

#endif
