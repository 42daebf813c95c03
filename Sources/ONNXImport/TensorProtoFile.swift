import COnnxProto
import TensorCore

/// Serialized ONNX `TensorProto`s: the `input_0.pb` / `output_0.pb` files of the ONNX test
/// layout, accepted by the command line wherever a `.npy` is.
public enum TensorProtoFile {
    /// Decodes a serialized ONNX TensorProto (`.pb` input files of the ONNX test layout).
    ///
    /// External data is refused here, since there is no folder to resolve it against; use
    /// ``load(path:)`` for files that have one.
    ///
    /// - Parameter source: names the bytes in error messages.
    public static func decode(bytes: UnsafeRawBufferPointer, source: String) throws(ImportError) -> (
        name: String, tensor: Tensor
    ) {
        try decode(bytes: bytes, source: source, directory: nil, options: ImportOptions())
    }

    /// Maps and decodes the TensorProto file at `path`; external data resolves against its folder.
    public static func load(path: String) throws(ImportError) -> (name: String, tensor: Tensor) {
        let file = try MappedFile(path: path)
        guard file.count > 0 else { throw .emptyFile(path: path) }
        return try decode(
            bytes: file.bytes, source: path, directory: directory(of: path), options: ImportOptions())
    }

    static func decode(
        bytes: UnsafeRawBufferPointer, source: String, directory: String?, options: ImportOptions
    ) throws(ImportError) -> (name: String, tensor: Tensor) {
        guard bytes.count > 0 else { throw .emptyFile(path: source) }
        _ = try WireScanner.scan(bytes, root: .tensor, maxDepth: options.maxNestingDepth, path: source)
        let budget = options.memoryBudget ?? ModelLoader.defaultMemoryBudget(forBytes: bytes.count)
        let allocator = BudgetAllocator(budget: budget)
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard let proto = onnx__tensor_proto__unpack(allocator.base, bytes.count, data) else {
            if allocator.exceeded { throw .memoryBudgetExceeded(path: source, budget: allocator.budget) }
            throw .unsupported(path: source, what: "not a valid ONNX TensorProto (protobuf parse failed)")
        }
        defer { onnx__tensor_proto__free_unpacked(proto, allocator.base) }
        let name = cString(proto.pointee.name)
        let decoder = TensorDecoder(
            path: source, directory: directory, maxTensorBytes: options.maxTensorBytes)
        let tensor = try decoder.decode(proto, what: name.isEmpty ? "tensor" : "tensor '\(name)'")
        return (name, tensor)
    }
}
