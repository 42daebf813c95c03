import TensorCore

/// Identifies one value (tensor) of a ``Graph``: an index into `Graph.values`.
public struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
    public var description: String { "%\(index)" }
}

/// One dimension of a declared shape.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    case known(Int)
    case symbolic(String)
    case unknown

    public var description: String {
        switch self {
        case .known(let n): "\(n)"
        case .symbolic(let name): name
        case .unknown: "?"
        }
    }
}

/// What the graph knows about a value: its ONNX name and, when declared, dtype and shape.
public struct ValueInfo: Sendable {
    public var name: String
    public var dtype: DType?
    /// nil when the rank is unknown.
    public var shape: [Dim]?

    public init(name: String, dtype: DType? = nil, shape: [Dim]? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}

/// One operator application. `inputs` holds nil for an omitted optional input (`""` in ONNX).
public struct Node: Sendable {
    /// Unique, stable name within the graph (see ``NodeNaming``).
    public var name: String
    public var opType: String
    /// `""` for the default ONNX domain (`ai.onnx`).
    public var domain: String
    public var inputs: [ValueID?]
    public var outputs: [ValueID]
    public var attributes: [String: Attribute]
    /// `metadata_props` of the node (for example `pkg.torch.onnx.name_scopes`).
    public var metadata: [String: String]
    /// Module path, outermost first (for example `["transformer", "h.0", "attn"]`).
    public var scope: [String]

    public init(
        name: String, opType: String, domain: String = "", inputs: [ValueID?], outputs: [ValueID],
        attributes: [String: Attribute] = [:], metadata: [String: String] = [:], scope: [String] = []
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.metadata = metadata
        self.scope = scope
    }

    /// `ai.onnx` for the default domain, else the domain.
    public var domainName: String { domain.isEmpty || domain == "ai.onnx" ? "ai.onnx" : domain }
}
