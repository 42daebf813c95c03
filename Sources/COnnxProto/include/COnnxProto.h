// Umbrella header: the generated ONNX message types and the import helpers.
#include "onnx.pb-c.h"
#include "onnx_budget_allocator.h"
