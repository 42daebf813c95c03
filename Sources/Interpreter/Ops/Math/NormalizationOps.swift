/// Registers the NormalizationOps family. (Filled in by the family's implementation.)
func registerNormalizationOps(_ registry: inout OpRegistry) {
}
