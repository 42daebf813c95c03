import GraphIR

/// Everything that can go wrong while reading an ONNX file, each case naming the file and, where
/// there is one, the culprit (node, initializer, attribute, external-data key).
///
/// `description` is one line, ready to be printed after `error: ` by the command line.
public enum ImportError: Error, Sendable, CustomStringConvertible {
    /// The file could not be opened or mapped (missing, a directory, no permission…).
    case cannotOpen(path: String, reason: String)
    /// The file exists but holds no bytes.
    case emptyFile(path: String)
    /// The protobuf wire format is broken (truncated varint, length past the end…).
    case malformedProtobuf(path: String, offset: Int, reason: String)
    /// Submessages nest deeper than ``ImportOptions/maxNestingDepth``.
    case nestingTooDeep(path: String, depth: Int, limit: Int, offset: Int)
    /// protobuf-c would need more memory than the budget derived from the file size.
    case memoryBudgetExceeded(path: String, budget: Int)
    /// protobuf-c refused the bytes.
    case notAValidModel(path: String)
    /// A field ONNX requires is absent or empty (`ModelProto.graph`, `NodeProto.op_type`…).
    case missingField(path: String, field: String, context: String)
    /// More nodes than ``ImportOptions/maxNodes``.
    case tooManyNodes(path: String, count: Int, limit: Int)
    /// A tensor whose declaration or data is wrong. `tensor` says which one
    /// (`initializer 'w'`, `node 'c' (Constant), attribute 'value'`).
    case invalidTensor(path: String, tensor: String, reason: String)
    /// A tensor's `external_data` that is refused or does not match the file it points to.
    case invalidExternalData(path: String, tensor: String, reason: String)
    /// An attribute that cannot be read.
    case invalidAttribute(path: String, node: String, attribute: String, reason: String)
    /// Something else in the graph that cannot be imported (sparse initializers, duplicates…).
    case unsupported(path: String, what: String)
    /// The imported graph failed ``GraphIR/Graph/verify()``.
    case invalidGraph(path: String, GraphError)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .cannotOpen(let path, _), .emptyFile(let path), .malformedProtobuf(let path, _, _),
            .nestingTooDeep(let path, _, _, _), .memoryBudgetExceeded(let path, _),
            .notAValidModel(let path), .missingField(let path, _, _), .tooManyNodes(let path, _, _),
            .invalidTensor(let path, _, _), .invalidExternalData(let path, _, _),
            .invalidAttribute(let path, _, _, _), .unsupported(let path, _), .invalidGraph(let path, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "\(path): cannot open: \(reason)"
        case .emptyFile(let path):
            "\(path): the file is empty"
        case .malformedProtobuf(let path, let offset, let reason):
            "\(path): not a valid ONNX model: malformed protobuf at byte \(offset): \(reason)"
        case .nestingTooDeep(let path, let depth, let limit, let offset):
            "\(path): protobuf messages nest \(depth) deep at byte \(offset), over the limit of \(limit)"
        case .memoryBudgetExceeded(let path, let budget):
            "\(path): parsing needs more than the memory budget of \(budget) bytes"
        case .notAValidModel(let path):
            "\(path): not a valid ONNX model (protobuf parse failed)"
        case .missingField(let path, let field, let context):
            "\(path): \(context.isEmpty ? "" : context + ": ")required field \(field) is missing"
        case .tooManyNodes(let path, let count, let limit):
            "\(path): the file has \(count) nodes, over the limit of \(limit)"
        case .invalidTensor(let path, let tensor, let reason):
            "\(path): \(tensor): \(reason)"
        case .invalidExternalData(let path, let tensor, let reason):
            "\(path): \(tensor): external data: \(reason)"
        case .invalidAttribute(let path, let node, let attribute, let reason):
            "\(path): node '\(node)', attribute '\(attribute)': \(reason)"
        case .unsupported(let path, let what):
            "\(path): \(what)"
        case .invalidGraph(let path, let error):
            "\(path): \(error)"
        }
    }
}
