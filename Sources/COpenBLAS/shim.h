#include <cblas.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* A hint to the core that this thread is spinning on a flag (Kernels' worker pool). */
static inline void onnxpatch_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* 1 when the CPU's vendor string is AMD's ("AuthenticAMD"), else 0. */
static inline int onnxpatch_cpu_is_amd(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    char vendor[13];
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    return strcmp(vendor, "AuthenticAMD") == 0;
#else
    return 0;
#endif
}

/* Makes a DYNAMIC_ARCH OpenBLAS use the kernels of core `name` (one of OPENBLAS_CORETYPE's
 * names), as if the process had started with OPENBLAS_CORETYPE=name: OpenBLAS reads that
 * variable only, so it is set for the call and removed after. Only safe before any BLAS call
 * (and best before other threads read the environment). Returns 0 when this OpenBLAS has no
 * runtime kernel choice (the entry points are looked up, not linked, so other builds still
 * load). */
static inline int onnxpatch_openblas_use_core(const char *name) {
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (quit == NULL || init == NULL) return 0;
    if (setenv("OPENBLAS_CORETYPE", name, 1) != 0) return 0;
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");
    return 1;
}
