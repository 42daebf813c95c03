import GraphIR
import TensorCore

/// Cast, https://onnx.ai/onnx/operators/onnx__Cast.html: converts to the dtype in `to`
/// (a `TensorProto.DataType` code; a type name such as "FLOAT" in opset 1). Conversion rules are
/// those of `Tensor.cast(to:saturate:roundMode:)`. `saturate` (opset 19, default 1) and
/// `round_mode` (opset 24, default "up") only concern the float8 targets.
struct Cast: Operator {
    let target: DType
    let options: CastOptions

    init(_ context: OpContext) throws {
        let node = context.node
        options = try CastOptions(node)
        switch node.attributes["to"] {
        case .int(let code):
            guard let code = Int32(exactly: code), let dtype = DType(rawValue: code), dtype != .string else {
                throw OpError("Cast: attribute 'to' = \(code) is not a supported dtype")
            }
            target = dtype
        case .string(let name):
            guard let dtype = Cast.legacyNames[name.uppercased()] else {
                throw OpError("Cast: attribute 'to' = \"\(name)\" is not a supported dtype")
            }
            target = dtype
        case .some(let other):
            throw OpError("Cast: attribute 'to' must be an INT, got \(other.typeName)")
        case .none:
            throw OpError("Cast: attribute 'to' is required")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [try castInput(inputs.required(0), to: target, options, op: "Cast")]
    }

    /// The `TensorProto.DataType` enum names that opset-1 models write.
    private static let legacyNames: [String: DType] = [
        "FLOAT": .float32, "UINT8": .uint8, "INT8": .int8, "UINT16": .uint16, "INT16": .int16,
        "INT32": .int32, "INT64": .int64, "BOOL": .bool, "FLOAT16": .float16, "DOUBLE": .float64,
        "UINT32": .uint32, "UINT64": .uint64, "BFLOAT16": .bfloat16,
    ]
}

/// CastLike, https://onnx.ai/onnx/operators/onnx__CastLike.html: Cast to the dtype of input 1.
struct CastLike: Operator {
    let options: CastOptions

    init(_ context: OpContext) throws {
        options = try CastOptions(context.node)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [try castInput(inputs.required(0), to: inputs.required(1).dtype, options, op: "CastLike")]
    }
}

/// Cast's and CastLike's float8 options.
struct CastOptions: Sendable {
    let saturate: Bool
    let roundMode: LowPrecision.RoundMode

    init(_ node: Node) throws {
        saturate = try node.int("saturate", default: 1) != 0
        let mode = try node.string("round_mode", default: "up")
        guard let roundMode = LowPrecision.RoundMode(rawValue: mode) else {
            throw OpError("round_mode must be up, down or nearest, got '\(mode)'")
        }
        self.roundMode = roundMode
    }
}

private func castInput(_ x: Tensor, to dtype: DType, _ options: CastOptions, op: String) throws(OpError) -> Tensor {
    do {
        return try x.cast(to: dtype, saturate: options.saturate, roundMode: options.roundMode)
    } catch {
        throw OpError("\(op): \(error)")
    }
}
