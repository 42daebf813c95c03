import GraphIR
import TensorCore

/// Constant: outputs the tensor held by its one value attribute.
///
/// https://onnx.ai/onnx/operators/onnx__Constant.html
///
/// Exactly one of `value` (any tensor), `value_float` (float32 scalar), `value_floats` (float32
/// 1-D), `value_int` (int64 scalar), `value_ints` (int64 1-D). String and sparse values import
/// but are refused here, since tensors never hold strings.
struct Constant: Operator {
    let value: Tensor

    init(_ context: OpContext) throws {
        let node = context.node
        let known = [
            "value", "value_float", "value_floats", "value_int", "value_ints",
            "value_string", "value_strings", "sparse_value",
        ]
        let present = known.filter { node.attributes[$0] != nil }
        guard present.count == 1, let name = present.first else {
            throw OpError(
                "Constant needs exactly one of \(known.joined(separator: ", ")), got "
                    + (present.isEmpty ? "none" : present.joined(separator: ", ")))
        }
        switch name {
        case "value": value = try node.required(name, node.tensor)
        case "value_float": value = Tensor(scalar: try node.required(name, node.float))
        case "value_floats": value = Tensor(try node.required(name, node.floats))
        case "value_int": value = Tensor(scalar: Int64(try node.required(name, node.int)))
        case "value_ints": value = Tensor(try node.required(name, node.ints).map { Int64($0) })
        default: throw OpError("Constant attribute '\(name)' is not supported (string and sparse tensors)")
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        [value]
    }
}
