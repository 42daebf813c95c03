/// Registers the ReductionOps family. (Filled in by the family's implementation.)
func registerReductionOps(_ registry: inout OpRegistry) {
}
