/// Registers the normalization ops: Softmax and LogSoftmax (two opset generations with different
/// axis semantics), LayerNormalization, RMSNormalization, GroupNormalization (per-group
/// parameters before opset 21, per-channel after), InstanceNormalization and BatchNormalization
/// (inference).
func registerNormalizationOps(_ registry: inout OpRegistry) {
    for (op, log) in [("Softmax", false), ("LogSoftmax", true)] {
        registry.register(op, since: 1) { try SoftmaxOp($0, log: log, flattens: true) }
        registry.register(op, since: 13) { try SoftmaxOp($0, log: log, flattens: false) }
    }
    registry.register("LayerNormalization", since: 17) { try LayerNormalizationOp($0) }
    registry.register("RMSNormalization", since: 23) { try RMSNormalizationOp($0) }
    registry.register("GroupNormalization", since: 18) { try GroupNormalizationOp($0, perGroupParameters: true) }
    registry.register("GroupNormalization", since: 21) { try GroupNormalizationOp($0, perGroupParameters: false) }
    registry.register("InstanceNormalization", since: 1) { try InstanceNormalizationOp($0) }
    registry.register("BatchNormalization", since: 1) { try BatchNormalizationOp($0) }
}
