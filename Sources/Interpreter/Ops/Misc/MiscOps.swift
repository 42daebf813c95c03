/// Registers the remaining families (sorting/selection, bit ops, quantization, set ops, losses,
/// signal processing, recurrent networks). Each op is registered at the opsets where its
/// signature changed; its factory reads `OpContext.opset` where semantics changed in between.
func registerMiscOps(_ registry: inout OpRegistry) {
    let table: [(op: String, since: [Int], factory: OpFactory)] = [
        // Sorting and selection.
        ("TopK", [1, 10], { try TopK($0) }),
        ("Unique", [11], { try Unique($0) }),
        ("Compress", [9], { try Compress($0) }),
        ("ReverseSequence", [10], { try ReverseSequence($0) }),
        ("Hardmax", [1, 13], { try Hardmax($0) }),
        // Scatter is ScatterElements under its opset 9 name (deprecated in 11).
        ("Scatter", [9], { try ScatterElements($0) }),
        ("TensorScatter", [24], { try TensorScatter($0) }),
        // Arithmetic.
        ("CumProd", [26], { try CumProd($0) }),
        ("Det", [11], { _ in Det() }),
        ("Shrink", [9], { try Activation.shrink($0) }),
        ("Swish", [24], { try Activation.swish($0) }),
        ("LpNormalization", [1], { try LpNormalization($0) }),
        ("MeanVarianceNormalization", [9], { try MeanVarianceNormalization($0) }),
        // Bit operations.
        ("BitShift", [11], { try BitShift($0) }),
        ("BitwiseAnd", [18], { _ in BitwiseBinary(kind: .and, name: "BitwiseAnd") }),
        ("BitwiseOr", [18], { _ in BitwiseBinary(kind: .or, name: "BitwiseOr") }),
        ("BitwiseXor", [18], { _ in BitwiseBinary(kind: .xor, name: "BitwiseXor") }),
        ("BitwiseNot", [18], { _ in BitwiseNot() }),
        ("BitCast", [26], { try BitCast($0) }),
        // Transformer blocks.
        ("RotaryEmbedding", [23], { try RotaryEmbedding($0) }),
        ("SwiGLU", [28], { try SwiGLU($0) }),
        ("CausalConvWithState", [27], { try CausalConvWithState($0) }),
        // Quantization.
        ("QuantizeLinear", [10], { try QuantizeLinear($0) }),
        ("DequantizeLinear", [10], { try DequantizeLinear($0) }),
        ("DynamicQuantizeLinear", [11], { _ in DynamicQuantizeLinear() }),
        ("MatMulInteger", [10], { _ in MatMulInteger() }),
        ("QLinearMatMul", [10], { _ in QLinearMatMul() }),
        // Recurrent layers.
        ("RNN", [1, 7, 14], { try Recurrent($0, kind: .rnn) }),
        ("GRU", [1, 3, 7, 14], { try Recurrent($0, kind: .gru) }),
        ("LSTM", [1, 7, 14], { try Recurrent($0, kind: .lstm) }),
        // Signal processing.
        ("DFT", [17, 20], { try DFT($0) }),
        ("STFT", [17], { try STFT($0) }),
        ("HannWindow", [17], { try WindowGenerator($0, kind: .hann) }),
        ("HammingWindow", [17], { try WindowGenerator($0, kind: .hamming) }),
        ("BlackmanWindow", [17], { try WindowGenerator($0, kind: .blackman) }),
        ("MelWeightMatrix", [17], { try MelWeightMatrix($0) }),
        // Control flow.
        ("If", [1], { try If($0) }),
        ("Loop", [1], { try Loop($0) }),
        ("Scan", [8, 9], { try Scan($0) }),
        // Detection, text features, optional values.
        ("NonMaxSuppression", [10], { try NonMaxSuppression($0) }),
        ("TfIdfVectorizer", [9], { try TfIdfVectorizer($0) }),
        ("OptionalHasElement", [15], { _ in OptionalHasElement() }),
        ("OptionalGetElement", [15], { _ in OptionalGetElement() }),
        // Losses.
        ("NegativeLogLikelihoodLoss", [12], { try LossOp($0, softmax: false) }),
        ("SoftmaxCrossEntropyLoss", [12], { try LossOp($0, softmax: true) }),
    ]
    for entry in table {
        for since in entry.since { registry.register(entry.op, since: since, entry.factory) }
    }
    // Other domains: traditional ML and the training preview.
    registry.register("ArrayFeatureExtractor", domain: "ai.onnx.ml", since: 1) { _ in ArrayFeatureExtractor()
    }
    registry.register("Binarizer", domain: "ai.onnx.ml", since: 1) { try Binarizer($0) }
    registry.register("TreeEnsemble", domain: "ai.onnx.ml", since: 5) { try TreeEnsemble($0) }
    registry.register("Adagrad", domain: "ai.onnx.preview.training", since: 1) { try Optimizer.adagrad($0) }
    registry.register("Adam", domain: "ai.onnx.preview.training", since: 1) { try Optimizer.adam($0) }
    registry.register("Momentum", domain: "ai.onnx.preview.training", since: 1) { try Optimizer.momentum($0) }
}
