#ifndef ONNX_BUDGET_ALLOCATOR_H
#define ONNX_BUDGET_ALLOCATOR_H
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/// A protobuf-c allocator that refuses to hand out more than `budget` bytes in total,
/// so a small crafted file cannot make `unpack` allocate gigabytes.
typedef struct {
    ProtobufCAllocator base;   /* must stay first: protobuf-c receives &base */
    size_t budget;             /* bytes allowed in total */
    size_t used;               /* bytes currently allocated */
    size_t peak;               /* highest value of `used` */
    int exceeded;              /* set when a request was refused */
} OnnxBudgetAllocator;

void onnx_budget_allocator_init(OnnxBudgetAllocator *allocator, size_t budget);

#endif
