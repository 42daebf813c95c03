#include "onnx_budget_allocator.h"
#include <stdlib.h>

/* Each block carries its size in a 16-byte header so `free` can give the bytes back. */
#define HEADER 16

static void *budget_alloc(void *data, size_t size) {
    OnnxBudgetAllocator *a = (OnnxBudgetAllocator *)data;
    if (size > a->budget - a->used || size > (size_t)-1 - HEADER) { a->exceeded = 1; return NULL; }
    unsigned char *block = malloc(size + HEADER);
    if (block == NULL) { a->exceeded = 1; return NULL; }
    *(size_t *)block = size;
    a->used += size;
    if (a->used > a->peak) a->peak = a->used;
    return block + HEADER;
}

static void budget_free(void *data, void *pointer) {
    if (pointer == NULL) return;
    OnnxBudgetAllocator *a = (OnnxBudgetAllocator *)data;
    unsigned char *block = (unsigned char *)pointer - HEADER;
    a->used -= *(size_t *)block;
    free(block);
}

void onnx_budget_allocator_init(OnnxBudgetAllocator *allocator, size_t budget) {
    allocator->base.alloc = budget_alloc;
    allocator->base.free = budget_free;
    allocator->base.allocator_data = allocator;
    allocator->budget = budget;
    allocator->used = 0;
    allocator->peak = 0;
    allocator->exceeded = 0;
}
