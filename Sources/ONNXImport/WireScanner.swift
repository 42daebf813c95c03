/// A schema-aware walk over protobuf wire format that runs before protobuf-c sees the bytes.
///
/// protobuf-c's `unpack` recurses once per nested message with no limit, so a small crafted file
/// that nests thousands of `AttributeProto.g` graphs would overflow the stack. The scanner walks
/// the same bytes iteratively (a stack of frames, not recursion), follows only the fields that are
/// submessages in onnx.proto, and stops at the first nesting level over the limit or the first
/// malformed field. On the way it counts nodes and records where each top-level initializer's
/// `raw_data` lies, so the loader can unpack a copy without the weights and borrow them from the
/// mapping instead (zero-copy).
///
/// Field numbers are those of onnx.proto (onnx 1.23.2, IR version 14).
enum WireMessage: UInt8 {
    case model, graph, node, attribute, tensor, sparseTensor, valueInfo, type
    case typeTensor, typeSequence, typeMap, typeOptional, typeSparseTensor, typeOpaque
    case tensorShape, dimension, trainingInfo, function, stringStringEntry, operatorSetId
    case tensorAnnotation, segment, nodeDeviceConfiguration, shardingSpec, shardedDim
    case simpleShardedDim, intIntListEntry, deviceConfiguration

    /// The onnx.proto name, for error messages.
    var protoName: String {
        switch self {
        case .model: "ModelProto"
        case .graph: "GraphProto"
        case .node: "NodeProto"
        case .attribute: "AttributeProto"
        case .tensor: "TensorProto"
        case .sparseTensor: "SparseTensorProto"
        case .valueInfo: "ValueInfoProto"
        case .type: "TypeProto"
        case .typeTensor: "TypeProto.Tensor"
        case .typeSequence: "TypeProto.Sequence"
        case .typeMap: "TypeProto.Map"
        case .typeOptional: "TypeProto.Optional"
        case .typeSparseTensor: "TypeProto.SparseTensor"
        case .typeOpaque: "TypeProto.Opaque"
        case .tensorShape: "TensorShapeProto"
        case .dimension: "TensorShapeProto.Dimension"
        case .trainingInfo: "TrainingInfoProto"
        case .function: "FunctionProto"
        case .stringStringEntry: "StringStringEntryProto"
        case .operatorSetId: "OperatorSetIdProto"
        case .tensorAnnotation: "TensorAnnotation"
        case .segment: "TensorProto.Segment"
        case .nodeDeviceConfiguration: "NodeDeviceConfigurationProto"
        case .shardingSpec: "ShardingSpecProto"
        case .shardedDim: "ShardedDimProto"
        case .simpleShardedDim: "SimpleShardedDimProto"
        case .intIntListEntry: "IntIntListEntryProto"
        case .deviceConfiguration: "DeviceConfigurationProto"
        }
    }

    /// The message type of `field` when it is a submessage field of `self`, else nil.
    func child(_ field: UInt64) -> WireMessage? {
        switch (self, field) {
        case (.model, 7): .graph
        case (.model, 8): .operatorSetId
        case (.model, 14): .stringStringEntry
        case (.model, 20): .trainingInfo
        case (.model, 25): .function
        case (.model, 26): .deviceConfiguration
        case (.graph, 1): .node
        case (.graph, 5): .tensor
        case (.graph, 11), (.graph, 12), (.graph, 13): .valueInfo
        case (.graph, 14): .tensorAnnotation
        case (.graph, 15): .sparseTensor
        case (.graph, 16): .stringStringEntry
        case (.node, 5): .attribute
        case (.node, 9): .stringStringEntry
        case (.node, 10): .nodeDeviceConfiguration
        case (.attribute, 5), (.attribute, 10): .tensor
        case (.attribute, 6), (.attribute, 11): .graph
        case (.attribute, 14), (.attribute, 15): .type
        case (.attribute, 22), (.attribute, 23): .sparseTensor
        case (.valueInfo, 2): .type
        case (.valueInfo, 4): .stringStringEntry
        case (.trainingInfo, 1), (.trainingInfo, 2): .graph
        case (.trainingInfo, 3), (.trainingInfo, 4): .stringStringEntry
        case (.function, 7): .node
        case (.function, 9): .operatorSetId
        case (.function, 11): .attribute
        case (.function, 12): .valueInfo
        case (.function, 14): .stringStringEntry
        case (.tensor, 3): .segment
        case (.tensor, 13), (.tensor, 16): .stringStringEntry
        case (.sparseTensor, 1), (.sparseTensor, 2): .tensor
        case (.type, 1): .typeTensor
        case (.type, 4): .typeSequence
        case (.type, 5): .typeMap
        case (.type, 7): .typeOpaque
        case (.type, 8): .typeSparseTensor
        case (.type, 9): .typeOptional
        case (.typeTensor, 2), (.typeSparseTensor, 2): .tensorShape
        case (.typeSequence, 1), (.typeOptional, 1), (.typeMap, 2): .type
        case (.tensorShape, 1): .dimension
        case (.tensorAnnotation, 2): .stringStringEntry
        case (.nodeDeviceConfiguration, 2): .shardingSpec
        case (.shardingSpec, 3): .intIntListEntry
        case (.shardingSpec, 4): .shardedDim
        case (.shardedDim, 2): .simpleShardedDim
        default: nil
        }
    }
}

/// A length-delimited field: where its length prefix starts and where its content lies.
struct WireField: Equatable {
    var lengthStart: Int
    var contentStart: Int
    var contentEnd: Int
}

/// One `TensorProto` of `ModelProto.graph.initializer`, with its `raw_data` field if any.
struct InitializerSpan: Equatable {
    var field: WireField
    /// The whole `raw_data` field (tag through last byte) and the data inside it.
    var rawField: Range<Int>?
    var rawData: Range<Int>?
}

/// What the scanner learned about a file.
struct WireScan {
    /// Deepest nesting seen; the root message is depth 1.
    var depth = 1
    /// Submessages seen, of every type.
    var messageCount = 0
    /// `NodeProto`s seen, in every graph and function.
    var nodeCount = 0
    /// Every `ModelProto.graph` field (protobuf merges repeats, so more than one disables stripping).
    var graphFields: [WireField] = []
    /// The initializers of the first `ModelProto.graph`, in file order.
    var initializers: [InitializerSpan] = []
    /// Set when an initializer has `raw_data` more than once (last-one-wins: do not strip).
    var repeatedRawData = false
}

enum WireScanner {
    private enum Role { case other, root, topGraph, topInitializer(Int) }

    private struct Frame {
        var message: WireMessage
        var end: Int
        var role: Role
    }

    /// Walks `bytes` as a message of type `root`.
    ///
    /// - Throws: `.nestingTooDeep` past `maxDepth`, `.malformedProtobuf` on truncated varints,
    ///   lengths past the enclosing message, field number 0, groups or unknown wire types.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, root: WireMessage, maxDepth: Int, path: String
    ) throws(ImportError) -> WireScan {
        var result = WireScan()
        var stack = [Frame(message: root, end: bytes.count, role: .root)]
        var position = 0

        func malformed(_ offset: Int, _ reason: String) -> ImportError {
            .malformedProtobuf(path: path, offset: offset, reason: reason)
        }

        /// Reads a varint that must end before `end`.
        func varint(_ end: Int) throws(ImportError) -> UInt64 {
            let start = position
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end else { throw malformed(start, "truncated varint") }
                let byte = bytes[position]
                position += 1
                if shift == 63 && byte > 1 { throw malformed(start, "varint longer than 64 bits") }
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                guard shift <= 63 else { throw malformed(start, "varint longer than 10 bytes") }
            }
        }

        while true {
            while let top = stack.last, position == top.end {
                stack.removeLast()
            }
            guard let frame = stack.last else { return result }
            let tagStart = position
            let tag = try varint(frame.end)
            let field = tag >> 3
            guard field != 0, field <= 0x1FFF_FFFF else {
                throw malformed(tagStart, "invalid field number \(field) in \(frame.message.protoName)")
            }
            switch tag & 7 {
            case 0:
                _ = try varint(frame.end)
            case 1, 5:
                let width = tag & 7 == 1 ? 8 : 4
                guard frame.end - position >= width else {
                    throw malformed(
                        tagStart,
                        "field \(field) of \(frame.message.protoName) needs \(width) bytes, "
                            + "but only \(frame.end - position) remain")
                }
                position += width
            case 2:
                let lengthStart = position
                let length = try varint(frame.end)
                guard length <= UInt64(frame.end - position) else {
                    throw malformed(
                        tagStart,
                        "field \(field) of \(frame.message.protoName) has length \(length), "
                            + "but only \(frame.end - position) bytes remain")
                }
                let contentStart = position
                let contentEnd = position + Int(length)
                guard let child = frame.message.child(field) else {
                    if case .topInitializer(let index) = frame.role, field == 9 {
                        if result.initializers[index].rawField != nil { result.repeatedRawData = true }
                        result.initializers[index].rawField = tagStart..<contentEnd
                        result.initializers[index].rawData = contentStart..<contentEnd
                    }
                    position = contentEnd
                    continue
                }
                let depth = stack.count + 1
                guard depth <= maxDepth else {
                    throw .nestingTooDeep(path: path, depth: depth, limit: maxDepth, offset: tagStart)
                }
                result.depth = max(result.depth, depth)
                result.messageCount += 1
                if child == .node { result.nodeCount += 1 }
                let span = WireField(
                    lengthStart: lengthStart, contentStart: contentStart, contentEnd: contentEnd)
                var role = Role.other
                switch frame.role {
                case .root where root == .model && field == 7:
                    result.graphFields.append(span)
                    if result.graphFields.count == 1 { role = .topGraph }
                case .topGraph where field == 5:
                    role = .topInitializer(result.initializers.count)
                    result.initializers.append(InitializerSpan(field: span))
                default:
                    break
                }
                stack.append(Frame(message: child, end: contentEnd, role: role))
            case 3, 4:
                throw malformed(
                    tagStart, "field \(field) of \(frame.message.protoName) is a group, which ONNX never uses"
                )
            default:
                throw malformed(
                    tagStart, "field \(field) of \(frame.message.protoName) has invalid wire type \(tag & 7)")
            }
        }
    }
}

extension WireScan {
    /// The byte ranges that ``strippedModel(_:)`` removed, by initializer index.
    var strippedRawData: [Int: Range<Int>] {
        guard canStrip else { return [:] }
        var result: [Int: Range<Int>] = [:]
        for (index, span) in initializers.enumerated() {
            if let raw = span.rawData { result[index] = raw }
        }
        return result
    }

    private var canStrip: Bool {
        graphFields.count == 1 && !repeatedRawData && initializers.contains { $0.rawField != nil }
    }

    /// The model without the `raw_data` of its top-level initializers, with the length prefixes
    /// of those initializers and of `ModelProto.graph` re-encoded; nil when there is nothing to
    /// strip or when protobuf merge rules would make the result ambiguous.
    func strippedModel(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard canStrip, let graph = graphFields.first else { return nil }
        var body: [UInt8] = []
        var cursor = graph.contentStart
        for span in initializers {
            guard let raw = span.rawField else { continue }
            body.append(contentsOf: bytes[cursor..<span.field.lengthStart])
            let length = (span.field.contentEnd - span.field.contentStart) - raw.count
            appendVarint(&body, UInt64(length))
            body.append(contentsOf: bytes[span.field.contentStart..<raw.lowerBound])
            body.append(contentsOf: bytes[raw.upperBound..<span.field.contentEnd])
            cursor = span.field.contentEnd
        }
        body.append(contentsOf: bytes[cursor..<graph.contentEnd])
        var out: [UInt8] = []
        out.reserveCapacity(graph.lengthStart + 10 + body.count + (bytes.count - graph.contentEnd))
        out.append(contentsOf: bytes[0..<graph.lengthStart])
        appendVarint(&out, UInt64(body.count))
        out.append(contentsOf: body)
        out.append(contentsOf: bytes[graph.contentEnd..<bytes.count])
        return out
    }
}

/// Appends `value` as a protobuf varint.
func appendVarint(_ out: inout [UInt8], _ value: UInt64) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}
