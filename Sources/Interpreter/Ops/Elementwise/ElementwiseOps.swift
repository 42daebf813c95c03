/// Registers the ElementwiseOps family. (Filled in by the family's implementation.)
func registerElementwiseOps(_ registry: inout OpRegistry) {
}
