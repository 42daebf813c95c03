/// Registers the LinearAlgebraOps family. (Filled in by the family's implementation.)
func registerLinearAlgebraOps(_ registry: inout OpRegistry) {
}
