/// Op families for the per-family summary, and the ops transformer exports use.
enum OpFamilies {
    static let families: [(name: String, ops: [String])] = [
        (
            "elementwise",
            [
                "Abs", "Acos", "Acosh", "Add", "And", "Asin", "Asinh", "Atan", "Atanh", "BitShift",
                "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "BitCast", "Cast", "CastLike", "Ceil",
                "Celu", "Clip", "Cos", "Cosh", "Div", "Elu", "Equal", "Erf", "Exp", "Floor", "Gelu",
                "Greater",
                "GreaterOrEqual", "HardSigmoid", "HardSwish", "Identity", "IsInf", "IsNaN", "LeakyRelu",
                "Less",
                "LessOrEqual", "Log", "Max", "Mean", "Min", "Mish", "Mod", "Mul", "Neg", "Not", "Or", "PRelu",
                "Pow", "Reciprocal", "Relu", "Round", "Selu", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh",
                "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Swish", "Tan", "Tanh", "ThresholdedRelu",
                "Where", "Xor",
            ]
        ),
        (
            "shape and indexing",
            [
                "Compress", "Concat", "Constant", "ConstantOfShape", "DepthToSpace", "Expand", "EyeLike",
                "Flatten", "Gather", "GatherElements", "GatherND", "NonZero", "OneHot", "Pad", "Range",
                "Reshape", "ReverseSequence", "Scatter", "ScatterElements", "ScatterND", "Shape", "Size",
                "Slice", "SpaceToDepth", "Split", "Squeeze", "TensorScatter", "Tile", "Transpose", "Trilu",
                "Unique", "Unsqueeze",
            ]
        ),
        (
            "reduction and linear algebra",
            [
                "ArgMax", "ArgMin", "CumProd", "CumSum", "Det", "Einsum", "Gemm", "MatMul", "ReduceL1",
                "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
                "ReduceProd", "ReduceSum", "ReduceSumSquare", "TopK",
            ]
        ),
        (
            "normalization, softmax and losses",
            [
                "BatchNormalization", "GroupNormalization", "Hardmax", "InstanceNormalization",
                "LayerNormalization", "LogSoftmax", "LpNormalization", "MeanVarianceNormalization",
                "NegativeLogLikelihoodLoss", "RMSNormalization", "Softmax", "SoftmaxCrossEntropyLoss",
            ]
        ),
        (
            "transformer blocks",
            [
                "Attention", "CausalConvWithState", "FlexAttention", "LinearAttention", "RotaryEmbedding",
                "SwiGLU",
            ]
        ),
        (
            "convolution, pooling and image",
            [
                "AffineGrid", "AveragePool", "CenterCropPad", "Col2Im", "Conv", "ConvTranspose", "DeformConv",
                "GlobalAveragePool", "GlobalMaxPool", "GridSample", "LRN", "LpPool", "MaxPool", "MaxUnpool",
                "Resize", "RoiAlign", "Upsample",
            ]
        ),
        (
            "quantization",
            [
                "ConvInteger", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "QLinearConv",
                "QLinearMatMul", "QuantizeLinear",
            ]
        ),
        ("recurrent", ["GRU", "LSTM", "RNN"]),
        ("signal", ["BlackmanWindow", "DFT", "HammingWindow", "HannWindow", "MelWeightMatrix", "STFT"]),
        ("random", ["Bernoulli", "Dropout"]),
        ("control flow", ["If", "Loop", "Scan"]),
        ("strings", ["RegexFullMatch", "StringConcat", "StringNormalizer", "StringSplit"]),
    ]

    /// The family of `opType` (domain-qualified ops outside the default domain go by their domain).
    static func family(of opType: String, domain: String) -> String {
        if !domain.isEmpty && domain != "ai.onnx" { return domain }
        return familyByOp[opType] ?? "other"
    }

    private static let familyByOp: [String: String] = {
        var result: [String: String] = [:]
        for (name, ops) in families { for op in ops { result[op] = name } }
        return result
    }()

    /// Reasons that excuse a case of a transformer op: it needs string tensors (Equal on
    /// strings), which TensorCore does not hold and no exported transformer computes on.
    static let exemptReasons = ["string tensors are not supported"]

    /// Ops in the exported transformers of Fixtures/models (GPT-2, BERT, Llama, GPT-NeoX, Qwen2,
    /// both PyTorch exporters) and in the common variants of those blocks (masks, Gelu, RMS norm,
    /// rotary embeddings, generation's TopK/ArgMax). Every case of these ops must pass.
    static let transformerOps: Set<String> = [
        "Abs", "Add", "And", "ArgMax", "Cast", "CastLike", "Clip", "Concat", "Constant", "ConstantOfShape",
        "Cos", "CumSum", "Div", "Einsum", "Equal", "Erf", "Exp", "Expand", "Flatten", "Gather", "GatherND",
        "Gelu", "Gemm", "Greater", "GreaterOrEqual", "Identity", "IsNaN", "LayerNormalization", "Less",
        "LessOrEqual", "Log", "LogSoftmax", "MatMul", "Max", "Min", "Mul", "Neg", "Not", "Or", "Pow",
        "RMSNormalization", "Range", "Reciprocal", "ReduceMax", "ReduceMean", "ReduceSum", "Reshape",
        "RotaryEmbedding", "ScatterND", "Shape", "Sigmoid", "Sin", "Slice", "Softmax", "Split", "Sqrt",
        "Squeeze", "Sub", "Tanh", "Tile", "TopK", "Transpose", "Trilu", "Unsqueeze", "Where",
    ]
}
