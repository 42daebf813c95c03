import TensorCore

/// A node attribute, as in ONNX `AttributeProto`. Strings are kept as raw bytes decoded as UTF-8.
public enum Attribute: Sendable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(Tensor)
    case floats([Float])
    case ints([Int])
    case strings([String])
    case tensors([Tensor])
    /// A subgraph (`If`, `Loop`, `Scan` bodies) or sparse tensor: kept so the node imports and
    /// can be inspected, but not executable yet. The payload names the ONNX attribute type.
    case unsupported(String)

    /// The ONNX name of this attribute's type (`INT`, `FLOATS`…), for error messages.
    public var typeName: String {
        switch self {
        case .float: "FLOAT"
        case .int: "INT"
        case .string: "STRING"
        case .tensor: "TENSOR"
        case .floats: "FLOATS"
        case .ints: "INTS"
        case .strings: "STRINGS"
        case .tensors: "TENSORS"
        case .unsupported(let kind): kind
        }
    }
}
