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
    /// A subgraph: an `If` branch, a `Loop` or `Scan` body.
    case graph(Subgraph)
    /// A list of subgraphs, sparse tensors or type protos: kept so the node imports and can be
    /// inspected, but not executable. The payload names the ONNX attribute type.
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
        case .graph: "GRAPH"
        case .unsupported(let kind): kind
        }
    }
}

/// A graph attribute (an `If` branch, a `Loop` or `Scan` body): a graph of its own, in SSA form.
///
/// ONNX subgraphs may read values of the graphs around them by name. Those values are the
/// subgraph's last `captured` inputs, after its formal ones, and the node that holds the
/// attribute lists the same outer values as extra inputs after its own (attributes in name
/// order), so plans order, keep alive and patch them like any other input.
public struct Subgraph: Sendable {
    public var graph: Graph
    /// How many of `graph.inputs`, at the end, are values of enclosing graphs.
    public var captured: Int

    public init(graph: Graph, captured: Int = 0) {
        self.graph = graph
        self.captured = captured
    }

    /// The subgraph's own inputs (without the captured ones).
    public var formalInputs: ArraySlice<ValueID> { graph.inputs.dropLast(captured) }
}
