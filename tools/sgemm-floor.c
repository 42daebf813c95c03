/* The OpenBLAS floor of a GPT-2-shaped forward: the matrix products alone, called straight
 * from C with the shapes the export runs (batch 1), distinct weights per layer so they stream
 * from memory as in the model. Prints JSON with the best of 10 timed rounds per group.
 *
 *   cc -O2 tools/sgemm-floor.c -o sgemm-floor -lopenblas
 *   ./sgemm-floor SEQ THREADS [D FF VOCAB LAYERS HEADS]   (defaults: GPT-2 small)
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(size_t n) {
    float *p = malloc(n * sizeof(float));
    if (!p) { fprintf(stderr, "error: cannot allocate %zu floats\n", n); exit(1); }
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    return p;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 8) {
        fprintf(stderr, "usage: sgemm-floor SEQ THREADS [D FF VOCAB LAYERS HEADS]\n");
        return 2;
    }
    int s = atoi(argv[1]), threads = atoi(argv[2]);
    int d = 768, ff = 3072, vocab = 50257, layers = 12, heads = 12;
    if (argc == 8) { d = atoi(argv[3]); ff = atoi(argv[4]); vocab = atoi(argv[5]); layers = atoi(argv[6]); heads = atoi(argv[7]); }
    if (s < 1 || threads < 1 || d < heads || heads < 1 || ff < 1 || vocab < 1 || layers < 1) {
        fprintf(stderr, "error: sizes must be positive and D >= HEADS\n");
        return 2;
    }
    openblas_set_num_threads(threads);
    int dh = d / heads;
    /* Per block: the fused QKV projection, the attention output, the MLP up and down. */
    int n[4] = {3 * d, d, ff, d}, k[4] = {d, d, d, ff};
    float *w[64][4];
    if (layers > 64) layers = 64;
    for (int l = 0; l < layers; l++)
        for (int i = 0; i < 4; i++) w[l][i] = filled((size_t)k[i] * n[i]);
    float *x = filled((size_t)s * ff), *y = filled((size_t)s * ff), *wte = filled((size_t)vocab * d);
    float *logits = filled((size_t)s * vocab), *q = filled((size_t)s * d), *kv = filled((size_t)s * d);
    float *scores = filled((size_t)heads * s * s);
    double best[3] = {1e9, 1e9, 1e9};
    for (int round = 0; round < 12; round++) {
        double t0 = now();
        for (int l = 0; l < layers; l++)
            for (int i = 0; i < 4; i++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s, n[i], k[i], 1, x, k[i], w[l][i], n[i], 1, y, n[i]);
        double t1 = now();
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < heads; h++) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, s, dh, 1, q + h * dh, d, kv + h * dh, d, 0,
                            scores + (size_t)h * s * s, s);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s, dh, s, 1, scores + (size_t)h * s * s, s,
                            kv + h * dh, d, 0, q + h * dh, d);
            }
        double t2 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, vocab, d, 1, x, d, wte, d, 0, logits, vocab);
        double t3 = now();
        if (round < 2) continue; /* warm-up */
        if (t1 - t0 < best[0]) best[0] = t1 - t0;
        if (t2 - t1 < best[1]) best[1] = t2 - t1;
        if (t3 - t2 < best[2]) best[2] = t3 - t2;
    }
    printf("{\"blocks_s\": %.6f, \"attention_s\": %.6f, \"output_s\": %.6f, \"total_s\": %.6f}\n", best[0], best[1], best[2],
           best[0] + best[1] + best[2]);
    return 0;
}
