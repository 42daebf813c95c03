#include <cblas.h>

/* A hint to the core that this thread is spinning on a flag (Kernels' worker pool). */
static inline void onnxpatch_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
