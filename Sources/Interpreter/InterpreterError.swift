import GraphIR

/// Failures while planning or running a graph, each naming the node, op or input concerned.
public enum InterpreterError: Error, Sendable, CustomStringConvertible {
    /// Ops with no implementation: every one of them, with how many nodes use it.
    case unsupportedOps([(op: String, nodes: Int, example: String)])
    /// An op rejected its node's attributes at plan time or failed at run time.
    case node(name: String, opType: String, message: String)
    case graph(GraphError)
    case missingInput(String)
    case unknownInput(String, known: [String])
    case inputMismatch(name: String, message: String)

    public var description: String {
        switch self {
        case .unsupportedOps(let ops):
            "unsupported op\(ops.count == 1 ? "" : "s"): "
                + ops.map { "\($0.op) (\($0.nodes) node\($0.nodes == 1 ? "" : "s"), e.g. '\($0.example)')" }
                .joined(separator: ", ")
        case .node(let name, let opType, let message):
            "node '\(name)' (\(opType)): \(message)"
        case .graph(let error):
            error.description
        case .missingInput(let name):
            "input '\(name)' is required but was not given"
        case .unknownInput(let name, let known):
            "the model has no input '\(name)' (inputs: \(known.joined(separator: ", ")))"
        case .inputMismatch(let name, let message):
            "input '\(name)': \(message)"
        }
    }
}
