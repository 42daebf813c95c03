/// Structural problems in a graph, each naming the node or value where it was found.
public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    case undefinedInput(node: String, input: String)
    case undefinedOutput(value: String)
    case definedTwice(value: String, first: String, second: String)
    case cycle(nodes: [String])
    case unknownOpset(node: String, opType: String, domain: String)

    public var description: String {
        switch self {
        case .undefinedInput(let node, let input):
            "node '\(node)': input '\(input)' is never defined"
        case .undefinedOutput(let value):
            "graph output '\(value)' is never defined"
        case .definedTwice(let value, let first, let second):
            "value '\(value)' is defined twice, by \(first) and by \(second)"
        case .cycle(let nodes):
            "the graph has a cycle through node\(nodes.count == 1 ? "" : "s") "
                + nodes.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
                + (nodes.count > 5 ? " and \(nodes.count - 5) more" : "")
        case .unknownOpset(let node, let opType, let domain):
            "node '\(node)' (\(opType)): domain '\(domain)' has no opset import"
        }
    }
}
