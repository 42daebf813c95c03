#include "CKernels.h"

#include <math.h>

/* No contraction of a·b + c into one rounding: the Swift kernels round each operation. */
#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

/* Kernels.tanhVector, one lane: Eigen's rational approximation on x clamped to ±7.9053;
 * x itself below |x| = 0.0004. */
static inline float tanh_lane(float x) {
    const float bound = 7.905311107635498f;
    float c = x < -bound ? -bound : (x > bound ? bound : x);
    float z = c * c;
    float p = -2.76076847742355e-16f;
    p = p * z + 2.00018790482477e-13f;
    p = p * z - 8.60467152213735e-11f;
    p = p * z + 5.12229709037114e-8f;
    p = p * z + 1.48572235717979e-5f;
    p = p * z + 6.37261928875436e-4f;
    p = p * z + 4.89352455891786e-3f;
    float q = 1.19825839466702e-6f;
    q = q * z + 1.18534705686654e-4f;
    q = q * z + 2.26843463243900e-3f;
    q = q * z + 4.89352518554385e-3f;
    float result = c * p / q;
    return fabsf(x) < 0.0004f ? x : result;
}

#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void onnxpatch_gelu_tanh(const float *x, float *y, long n, float h, float c, float k, float one) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float cube = v * v * v;
        y[i] = (v * h) * (tanh_lane((v + cube * c) * k) + one);
    }
}
