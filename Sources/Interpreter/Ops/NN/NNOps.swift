/// Registers the neural-network family (convolution, pooling, resizing, attention).
///
/// Each op is registered once at the first opset that has it; later opset revisions only
/// widened types or added attributes whose defaults keep the old behaviour.
func registerNeuralNetworkOps(_ registry: inout OpRegistry) {
    registry.register("Conv", since: 1) { try ConvOp($0) }
    registry.register("ConvTranspose", since: 1) { try ConvTransposeOp($0) }
    registry.register("ConvInteger", since: 10) { try ConvIntegerOp($0) }
    registry.register("QLinearConv", since: 10) { try QLinearConvOp($0) }
    registry.register("DeformConv", since: 19) { try DeformConvOp($0) }
    registry.register("MaxPool", since: 1) { try MaxPoolOp($0) }
    registry.register("AveragePool", since: 1) { try AveragePoolOp($0) }
    registry.register("LpPool", since: 1) { try LpPoolOp($0) }
    registry.register("GlobalAveragePool", since: 1) { try GlobalPoolOp($0, .average) }
    registry.register("GlobalMaxPool", since: 1) { try GlobalPoolOp($0, .max) }
    registry.register("GlobalLpPool", since: 1) { try GlobalPoolOp($0, .lp) }
    registry.register("MaxUnpool", since: 9) { try MaxUnpoolOp($0) }
    registry.register("LRN", since: 1) { try LRNOp($0) }
    registry.register("Attention", since: 23) { try AttentionOp($0) }
    registry.register("LinearAttention", since: 27) { try LinearAttentionOp($0) }
    registry.register("FlexAttention", domain: "ai.onnx.preview", since: 1) { try FlexAttentionOp($0) }
    registry.register("Resize", since: 10) { try ResizeOp($0, "Resize", .legacy) }
    registry.register("Resize", since: 11) { try ResizeOp($0, "Resize", .current) }
    registry.register("Upsample", since: 7) { try ResizeOp($0, "Upsample", .upsample7) }
    registry.register("Upsample", since: 9) { try ResizeOp($0, "Upsample", .legacy) }
    registry.register("GridSample", since: 16) { try GridSampleOp($0) }
    registry.register("AffineGrid", since: 20) { try AffineGridOp($0) }
    registry.register("RoiAlign", since: 10) { try RoiAlignOp($0) }
    registry.register("Col2Im", since: 18) { try Col2ImOp($0) }
    registry.register("CenterCropPad", since: 18) { try CenterCropPadOp($0) }
}
