import TensorCore

/// A missing or mistyped attribute, naming the node and the attribute.
public struct AttributeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var node: String
    public var opType: String
    public var attribute: String
    public var message: String

    public var description: String { "node '\(node)' (\(opType)), attribute '\(attribute)': \(message)" }
}

/// Typed attribute lookup. Each accessor returns nil (or the default) when the attribute is
/// absent and throws when it is present with another type.
extension Node {
    func attributeError(_ name: String, _ message: String) -> AttributeError {
        AttributeError(node: self.name, opType: opType, attribute: name, message: message)
    }

    private func mismatch(_ name: String, _ expected: String, _ got: Attribute) -> AttributeError {
        attributeError(name, "expected \(expected), got \(got.typeName)")
    }

    public func int(_ name: String) throws(AttributeError) -> Int? {
        guard let attribute = attributes[name] else { return nil }
        guard case .int(let value) = attribute else { throw mismatch(name, "INT", attribute) }
        return value
    }

    public func int(_ name: String, default value: Int) throws(AttributeError) -> Int {
        try int(name) ?? value
    }

    public func float(_ name: String) throws(AttributeError) -> Float? {
        guard let attribute = attributes[name] else { return nil }
        switch attribute {
        case .float(let value): return value
        case .int(let value): return Float(value)
        default: throw mismatch(name, "FLOAT", attribute)
        }
    }

    public func float(_ name: String, default value: Float) throws(AttributeError) -> Float {
        try float(name) ?? value
    }

    public func string(_ name: String) throws(AttributeError) -> String? {
        guard let attribute = attributes[name] else { return nil }
        guard case .string(let value) = attribute else { throw mismatch(name, "STRING", attribute) }
        return value
    }

    public func string(_ name: String, default value: String) throws(AttributeError) -> String {
        try string(name) ?? value
    }

    public func ints(_ name: String) throws(AttributeError) -> [Int]? {
        guard let attribute = attributes[name] else { return nil }
        switch attribute {
        case .ints(let value): return value
        case .int(let value): return [value]
        default: throw mismatch(name, "INTS", attribute)
        }
    }

    public func floats(_ name: String) throws(AttributeError) -> [Float]? {
        guard let attribute = attributes[name] else { return nil }
        switch attribute {
        case .floats(let value): return value
        case .float(let value): return [value]
        default: throw mismatch(name, "FLOATS", attribute)
        }
    }

    public func strings(_ name: String) throws(AttributeError) -> [String]? {
        guard let attribute = attributes[name] else { return nil }
        guard case .strings(let value) = attribute else { throw mismatch(name, "STRINGS", attribute) }
        return value
    }

    public func tensor(_ name: String) throws(AttributeError) -> Tensor? {
        guard let attribute = attributes[name] else { return nil }
        guard case .tensor(let value) = attribute else { throw mismatch(name, "TENSOR", attribute) }
        return value
    }

    public func graph(_ name: String) throws(AttributeError) -> Subgraph? {
        guard let attribute = attributes[name] else { return nil }
        guard case .graph(let value) = attribute else { throw mismatch(name, "GRAPH", attribute) }
        return value
    }

    /// Throws unless the attribute is present.
    public func required<T>(_ name: String, _ lookup: (String) throws(AttributeError) -> T?) throws(AttributeError) -> T {
        guard let value = try lookup(name) else { throw attributeError(name, "required but missing") }
        return value
    }
}
