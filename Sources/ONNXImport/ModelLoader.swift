import COnnxProto
import GraphIR
import TensorCore

// ONNXImport: the first stage of the pipeline (DESIGN.md, "Data flow").
//
//   model.onnx ─mmap─► WireScanner (depth, wire format, node count, raw_data ranges)
//     ─► protobuf-c unpack of a copy without the weights, under a memory budget
//     ─► GraphBuilder + TensorDecoder (weights borrowed from the mapping) ─► C message freed
//     ─► Graph.verify()
//
// No C pointer leaves this module: callers get a verified Graph whose tensors may borrow from
// the mapping, which stays alive as long as any of them does.

/// Limits that protect the process from crafted or corrupt files.
public struct ImportOptions: Sendable {
    /// Deepest protobuf message nesting accepted (the model itself is depth 1); checked before
    /// protobuf-c, whose unpack recursion has no limit of its own.
    public var maxNestingDepth: Int = 64
    /// Largest declared size of one tensor, in bytes.
    public var maxTensorBytes: Int = 16 << 30
    public var maxNodes: Int = 10_000_000
    /// Bytes protobuf-c may allocate while unpacking; nil derives it from the file size
    /// (see ``ModelLoader/defaultMemoryBudget(forBytes:)``).
    public var memoryBudget: Int? = nil

    public init() {}
}

/// A model read from disk.
public struct LoadedModel: Sendable {
    /// The graph, already verified (``GraphIR/Graph/verify()`` passed).
    public var graph: Graph
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var path: String
}

/// Reads ONNX model files.
public enum ModelLoader {
    /// Loads and verifies the model at `path`.
    ///
    /// The file is memory-mapped; initializers stored in `raw_data` or in external data borrow
    /// their bytes from the mappings when aligned for their element type, so loading a large model
    /// does not copy its weights.
    ///
    /// ```swift
    /// let model = try ModelLoader.load(path: "gpt2.onnx")
    /// print(model.graph.nodes.count)
    /// ```
    ///
    /// - Throws: ``ImportError``, whose description names the file and the culprit.
    public static func load(path: String, options: ImportOptions = .init()) throws(ImportError) -> LoadedModel
    {
        let file = try MappedFile(path: path)
        guard file.count > 0 else { throw .emptyFile(path: path) }
        let scan = try WireScanner.scan(
            file.bytes, root: .model, maxDepth: options.maxNestingDepth, path: path)
        guard scan.nodeCount <= options.maxNodes else {
            throw .tooManyNodes(path: path, count: scan.nodeCount, limit: options.maxNodes)
        }

        // Unpack a copy without the initializers' raw_data, so protobuf-c never copies weights.
        var mapped: [Int: MappedBytes] = [:]
        var stripped: UnsafeMutableRawBufferPointer?
        defer { stripped?.deallocate() }
        var input = file.bytes
        if let bytes = scan.strippedModel(file.bytes) {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            buffer.copyBytes(from: bytes)
            stripped = buffer
            input = UnsafeRawBufferPointer(buffer)
            for (index, range) in scan.strippedRawData {
                mapped[index] = MappedBytes(file: file, range: range)
            }
        }
        let budget = options.memoryBudget ?? defaultMemoryBudget(forBytes: input.count)
        let decoder = TensorDecoder(
            path: path, directory: directory(of: path), maxTensorBytes: options.maxTensorBytes)

        let loaded = try withUnpacked(input, budget: budget, path: path) {
            (model) throws(ImportError) -> LoadedModel in
            let m = model.pointee
            guard m.has_ir_version != 0 else {
                throw .missingField(path: path, field: "ModelProto.ir_version", context: "")
            }
            guard let graphProto = m.graph else {
                throw .missingField(path: path, field: "ModelProto.graph", context: "")
            }
            let opsetImports = try opsets(m, path: path)
            var builder = GraphBuilder(path: path, decoder: decoder, mapped: mapped)
            let graph = try builder.build(graphProto, opsetImports: opsetImports)
            return LoadedModel(
                graph: graph, irVersion: Int(m.ir_version), producerName: cString(m.producer_name),
                producerVersion: cString(m.producer_version), path: path)
        }
        do {
            try loaded.graph.verify()
        } catch {
            throw .invalidGraph(path: path, error)
        }
        return loaded
    }

    /// The unpack budget for `bytes` of protobuf: 64 MiB plus 8 bytes per input byte.
    ///
    /// Weights (raw_data) cost one byte per byte; packed varints at most eight; message structs
    /// are larger than their encoding, but with the weights stripped the structure of real models
    /// is small (measured: protobuf-c's peak is about 4× the bytes of a 100,000-node graph, and
    /// 8× for int64_data of small values), and the 64 MiB floor covers a few hundred thousand
    /// nodes. A crafted file can still expand, but only to a bounded multiple of its size.
    public static func defaultMemoryBudget(forBytes bytes: Int) -> Int {
        let (scaled, overflow) = bytes.multipliedReportingOverflow(by: 8)
        guard !overflow else { return Int.max }
        let (total, overflow2) = scaled.addingReportingOverflow(64 << 20)
        return overflow2 ? Int.max : total
    }

    /// Operator set versions by domain, `ai.onnx` folded into `""`.
    private static func opsets(_ m: Onnx__ModelProto, path: String) throws(ImportError) -> [String: Int] {
        let protos = cMessages(m.opset_import, m.n_opset_import)
        guard !protos.isEmpty else {
            throw .missingField(path: path, field: "ModelProto.opset_import", context: "")
        }
        var result: [String: Int] = [:]
        for proto in protos {
            let raw = cString(proto.pointee.domain)
            let domain = raw == "ai.onnx" ? "" : raw
            guard proto.pointee.has_version != 0 else {
                throw .missingField(
                    path: path, field: "OperatorSetIdProto.version", context: "opset_import '\(raw)'")
            }
            result[domain] = Int(proto.pointee.version)
        }
        return result
    }
}

/// The folder of `path` ("." for a bare file name), against which external data is resolved.
func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let folder = String(path[..<slash])
    return folder.isEmpty ? "/" : folder
}

/// A protobuf-c allocator with a byte budget (COnnxProto's `OnnxBudgetAllocator`), for one
/// unpack and the matching `free_unpacked`.
final class BudgetAllocator {
    private let state: UnsafeMutablePointer<OnnxBudgetAllocator>
    let budget: Int

    init(budget: Int) {
        self.budget = max(budget, 0)
        state = .allocate(capacity: 1)
        onnx_budget_allocator_init(state, self.budget)
    }

    deinit { state.deallocate() }

    /// What protobuf-c receives: `base` is the first member, so the struct's address is its own.
    var base: UnsafeMutablePointer<ProtobufCAllocator> {
        UnsafeMutableRawPointer(state).assumingMemoryBound(to: ProtobufCAllocator.self)
    }

    /// True when a request was refused for going over the budget.
    var exceeded: Bool { state.pointee.exceeded != 0 }
}

/// Runs protobuf-c's `onnx__model_proto__unpack` under a budget allocator, hands the message to
/// `body`, and frees it with the same allocator whatever `body` does.
func withUnpacked<R>(
    _ bytes: UnsafeRawBufferPointer, budget: Int, path: String,
    _ body: (UnsafePointer<Onnx__ModelProto>) throws(ImportError) -> R
) throws(ImportError) -> R {
    let allocator = BudgetAllocator(budget: budget)
    let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    guard let model = onnx__model_proto__unpack(allocator.base, bytes.count, data) else {
        if allocator.exceeded { throw .memoryBudgetExceeded(path: path, budget: allocator.budget) }
        throw .notAValidModel(path: path)
    }
    defer { onnx__model_proto__free_unpacked(model, allocator.base) }
    return try body(model)
}
