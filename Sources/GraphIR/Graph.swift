import TensorCore

/// A model's computation in SSA form: every value is defined exactly once, by a graph input, an
/// initializer or one node output. Node names are unique and are what patches target.
///
/// `Graph` is a value type: rewrites produce a new graph and leave the original untouched.
public struct Graph: Sendable {
    /// Every value; `ValueID(i)` refers to `values[i]`.
    public var values: [ValueInfo]
    /// Nodes in file order (topologically sorted after ``verify()`` succeeds on a sorted file;
    /// the interpreter sorts anyway).
    public var nodes: [Node]
    /// Graph inputs that are fed at run time (initializers excluded).
    public var inputs: [ValueID]
    public var outputs: [ValueID]
    /// Weights and other constants, by value.
    public var initializers: [ValueID: Tensor]
    /// Operator set version per domain (`""` is `ai.onnx`).
    public var opsetImports: [String: Int]
    public var name: String

    public init(
        values: [ValueInfo] = [], nodes: [Node] = [], inputs: [ValueID] = [], outputs: [ValueID] = [],
        initializers: [ValueID: Tensor] = [:], opsetImports: [String: Int] = ["": 18], name: String = ""
    ) {
        self.values = values
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.opsetImports = opsetImports
        self.name = name
    }

    /// Adds a value and returns its id.
    @discardableResult
    public mutating func addValue(_ info: ValueInfo) -> ValueID {
        values.append(info)
        return ValueID(values.count - 1)
    }

    public subscript(value: ValueID) -> ValueInfo {
        get { values[value.index] }
        set { values[value.index] = newValue }
    }

    /// The opset version of `domain` (`""` and `ai.onnx` are the same domain).
    public func opset(for domain: String) -> Int? {
        if domain.isEmpty || domain == "ai.onnx" { return opsetImports[""] ?? opsetImports["ai.onnx"] }
        return opsetImports[domain]
    }

    /// Index of the node whose `name` matches, if any.
    public func nodeIndex(named name: String) -> Int? {
        nodes.firstIndex { $0.name == name }
    }

    /// For each value, the index of the node that defines it (nil for inputs and initializers).
    public func producers() -> [Int?] {
        var result = [Int?](repeating: nil, count: values.count)
        for (i, node) in nodes.enumerated() {
            for output in node.outputs { result[output.index] = i }
        }
        return result
    }

    /// Values that are constant: initializers only (Constant nodes are ordinary nodes).
    public func isInitializer(_ value: ValueID) -> Bool { initializers[value] != nil }
}
