/// Registers the neural-network family (convolution, pooling, resizing, attention).
func registerNeuralNetworkOps(_ registry: inout OpRegistry) {
}
