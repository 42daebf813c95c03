/// Registers the ShapeOps family. (Filled in by the family's implementation.)
func registerShapeOps(_ registry: inout OpRegistry) {
}
