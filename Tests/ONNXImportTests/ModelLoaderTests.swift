import Foundation
import GraphIR
import TensorCore
import Testing

@testable import ONNXImport

@Suite struct ModelLoaderTests {
    @Test func simpleModel() throws {
        let model = try ModelLoader.load(path: fixture("simple.onnx"))
        let graph = model.graph
        #expect(model.irVersion == 10)
        #expect(model.producerName == "make-import-fixtures")
        #expect(model.producerVersion == "1")
        #expect(model.path == fixture("simple.onnx"))
        #expect(graph.opsetImports == ["": 18])
        #expect(graph.nodes.map(\.name) == ["add", "relu"])
        #expect(graph.nodes.map(\.opType) == ["Add", "Relu"])
        #expect(graph.inputs.map { graph[$0].name } == ["x"])
        #expect(graph.outputs.map { graph[$0].name } == ["y", "aligned", "misaligned"])

        let x = graph.inputs[0]
        #expect(graph[x].dtype == .float32)
        #expect(graph[x].shape == [.symbolic("batch"), .known(3)])
        let sum = try #require(graph.values.firstIndex { $0.name == "sum" })
        #expect(graph.values[sum].shape == [.symbolic("batch"), .unknown])
        // SSA: the Add's output is the Relu's input.
        #expect(graph.nodes[1].inputs == [graph.nodes[0].outputs[0]])

        let w = try #require(graph.initializers.first { graph[$0.key].name == "w" }?.value)
        #expect(w.shape == [3])
        #expect(w.scalars(as: Float.self) == [1, -2, 3])
    }

    @Test func alignedRawDataIsBorrowedFromTheMapping() throws {
        let graph = try ModelLoader.load(path: fixture("simple.onnx")).graph
        func initializer(_ name: String) throws -> Tensor {
            try #require(graph.initializers.first { graph[$0.key].name == name }?.value)
        }
        // The fixture script placed `aligned` at a file offset divisible by 8, `misaligned` at 2 mod 4.
        let aligned = try initializer("aligned")
        #expect(!aligned.storage.isOwned)
        #expect(aligned.scalars(as: Double.self) == [0.5, 1.5, -2.5, 1e10])
        let misaligned = try initializer("misaligned")
        #expect(misaligned.storage.isOwned)
        #expect(misaligned.scalars(as: Float.self) == [7.25, -8.5])
    }

    @Test func borrowedTensorsOutliveTheLoadedModel() throws {
        var tensor: Tensor?
        do {
            let graph = try ModelLoader.load(path: fixture("simple.onnx")).graph
            tensor = graph.initializers.first { graph[$0.key].name == "aligned" }?.value
        }
        // The graph is gone; the mapping must still be alive through the tensor's storage.
        #expect(tensor?.scalars(as: Double.self) == [0.5, 1.5, -2.5, 1e10])
    }

    @Test func everyStorageForm() throws {
        let graph = try ModelLoader.load(path: fixture("storage_forms.onnx")).graph
        var byName: [String: Tensor] = [:]
        for (id, tensor) in graph.initializers { byName[graph[id].name] = tensor }
        func t(_ name: String) throws -> Tensor { try #require(byName[name], "no initializer \(name)") }

        #expect(try t("f32_raw").shape == [2, 2])
        #expect(try t("f32_raw").scalars(as: Float.self) == [1.5, -2, 3.25, 4])
        #expect(try t("f32_float_data").scalars(as: Float.self) == [0.5, -1, 2])
        #expect(try t("i32_int32_data").scalars(as: Int32.self) == [-7, 2_147_483_647])
        #expect(try t("i16_int32_data").scalars(as: Int16.self) == [-300, 300])
        #expect(try t("i8_int32_data").scalars(as: Int8.self) == [-128, 0, 127])
        #expect(try t("u16_int32_data").scalars(as: UInt16.self) == [0, 65535])
        #expect(try t("u8_int32_data").scalars(as: UInt8.self) == [0, 255])
        #expect(try t("bool_int32_data").scalars(as: Bool.self) == [true, false, true])
        #expect(try t("f16_int32_data").scalars(as: Float16.self) == [1.0, -2.5])
        #expect(try t("bf16_int32_data").scalars(as: BFloat16.self).map(\.floatValue) == [1.0, -2.0])
        #expect(try t("i64_int64_data").scalars(as: Int64.self) == [-(1 << 40), 5])
        #expect(try t("f64_double_data").scalars(as: Double.self) == [0.1, -1e300])
        #expect(try t("u32_uint64_data").scalars(as: UInt32.self) == [0, 4_294_967_295])
        #expect(try t("u64_uint64_data").scalars(as: UInt64.self) == [UInt64.max])
        #expect(try t("i64_raw").scalars(as: Int64.self) == [-1, 0, 1 << 50])
        #expect(try t("f16_raw").scalars(as: Float16.self) == [0.5, -4])
        #expect(try t("bf16_raw").scalars(as: BFloat16.self).map(\.floatValue) == [3.0])
        #expect(try t("u8_raw").scalars(as: UInt8.self) == [0, 1, 128, 255])
        // A raw byte of 2 is true; it must come out as a valid Swift Bool.
        #expect(try t("bool_raw").scalars(as: Bool.self) == [false, true, true])
        try t("bool_raw").withUnsafeRawBytes { #expect(Array($0) == [0, 1, 1]) }
        #expect(try t("f64_raw").scalars(as: Double.self) == [-0.25])
        #expect(try t("scalar_raw").shape == [])
        #expect(try t("scalar_raw").scalars(as: Float.self) == [42])
        #expect(try t("empty").shape == [0, 3])
        #expect(try t("empty").count == 0)
        // Initializers carry their declared dtype and shape into the value table.
        let id = try #require(graph.values.firstIndex { $0.name == "i8_int32_data" })
        #expect(graph.values[id].dtype == .int8)
        #expect(graph.values[id].shape == [.known(3)])
    }

    @Test func attributesOfEveryType() throws {
        let graph = try ModelLoader.load(path: fixture("attributes.onnx")).graph
        #expect(graph.opsetImports == ["": 18, "test.domain": 1])
        let node = try #require(graph.nodes.first { $0.name == "attrs" })
        #expect(node.domain == "test.domain")
        #expect(try node.float("f") == 0.25)
        #expect(try node.int("i") == -3)
        #expect(try node.string("s") == "h\u{e9}llo")
        #expect(try node.tensor("t")?.scalars(as: Int64.self) == [1, 2])
        #expect(try node.floats("floats") == [1.0, 2.5])
        #expect(try node.ints("ints") == [1, -2, 3])
        #expect(try node.strings("strings") == ["a", "b"])
        guard case .tensors(let tensors)? = node.attributes["tensors"] else {
            Issue.record("tensors: \(String(describing: node.attributes["tensors"]))")
            return
        }
        #expect(tensors.count == 2)
        #expect(tensors.first?.scalars(as: Float.self) == [1.0])
        #expect(tensors.last?.shape == [])
        #expect(tensors.last?.scalars(as: Int32.self) == [7])
        #expect(node.attributes["g"]?.typeName == "GRAPH")
        #expect(node.attributes["graphs"]?.typeName == "GRAPHS")
        #expect(node.attributes["sparse"]?.typeName == "SPARSE_TENSOR")
        #expect(node.attributes["tp"]?.typeName == "TYPE_PROTO")
        // No `type` field: inferred from the value that is set.
        #expect(try node.int("old_int") == 9)
        #expect(try node.floats("old_floats") == [0.5, 0.25])

        let constant = try #require(graph.nodes.first { $0.opType == "Constant" })
        #expect(constant.name == "const")
        #expect(try constant.tensor("value")?.scalars(as: Float.self) == [3, 4])
    }

    @Test func initializersListedAsInputsAreNotRuntimeInputs() throws {
        let model = try ModelLoader.load(path: fixture("initializers_as_inputs.onnx"))
        let graph = model.graph
        #expect(model.irVersion == 3)
        #expect(graph.inputs.map { graph[$0].name } == ["x"])
        #expect(graph.initializers.count == 1)
        let (w, tensor) = try #require(graph.initializers.first)
        #expect(graph[w].name == "w")
        #expect(tensor.scalars(as: Float.self) == [1, 2, 3, 4])
        #expect(graph.nodes[0].inputs == [graph.inputs[0], w])
        #expect(graph.opsetImports == ["": 9])  // written as domain "ai.onnx"
    }

    @Test func nodeNamesAndScopes() throws {
        let graph = try ModelLoader.load(path: fixture("names.onnx")).graph
        #expect(
            graph.nodes.map(\.name) == [
                "/transformer/h.0/attn/MatMul",
                "relu_out",  // nameless: its first output
                "Sink_2",  // nameless and first output "": <OpType>_<index>
                "dup", "dup#3", "dup#2",  // "dup#2" is taken by a later node, so the duplicate skips it
                "node_MatMul_12", "clip",
            ])
        #expect(graph.nodes[0].scope == ["transformer", "h.0", "attn"])
        #expect(graph.nodes[1].scope == [])
        let dynamo = graph.nodes[6]
        #expect(dynamo.scope == ["m", "transformer", "h.0", "attn"])
        #expect(dynamo.metadata["pkg.torch.onnx.class_hierarchy"] == "['Model', 'Attention']")
        #expect(dynamo.metadata.count == 2)
        // An omitted input ("") is nil; the others are the values of their names.
        let clip = graph.nodes[7]
        #expect(clip.inputs == [graph.nodes[6].outputs[0], nil, graph.inputs[0]])
        // The omitted output "" keeps its position with a value of its own.
        let sink = graph.nodes[2]
        #expect(sink.outputs.count == 2)
        #expect(graph[sink.outputs[0]].name == "")
        #expect(graph[sink.outputs[1]].name == "sink_b")
    }

    @Test func sparseInitializersBecomeDense() throws {
        let graph = try ModelLoader.load(path: fixture("sparse.onnx")).graph
        #expect(graph.inputs.isEmpty)  // "linear" is listed as an input but is an initializer
        var byName: [String: Tensor] = [:]
        for (id, tensor) in graph.initializers { byName[graph[id].name] = tensor }
        let linear = try #require(byName["linear"])
        #expect(linear.shape == [2, 3])
        #expect(linear.scalars(as: Float.self) == [0, 5, 0, 0, 6, 0])
        let coords = try #require(byName["coords"])
        #expect(coords.scalars(as: Int32.self) == [0, 0, 7, 8, 0, 0])
    }

    @Test func tensorProtoFiles() throws {
        let (name, tensor) = try TensorProtoFile.load(path: fixture("input_ids.pb"))
        #expect(name == "input_ids")
        #expect(tensor.dtype == .int64)
        #expect(tensor.shape == [2, 3])
        #expect(tensor.scalars(as: Int64.self) == [0, 1, 2, 3, 4, 5])

        let (unnamed, floats) = try TensorProtoFile.load(path: fixture("unnamed_float_data.pb"))
        #expect(unnamed == "")
        #expect(floats.scalars(as: Float.self) == [0.5, -0.5])
    }

    @Test func tensorProtoFromBytes() throws {
        // TensorProto{dims: [2], data_type: INT32, int32_data: packed [3, -1]}, encoded by hand.
        let bytes: [UInt8] =
            [0x08, 0x02, 0x10, 0x06, 0x2A, 0x0B, 0x03]
            + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        let (name, tensor) = try bytes.withUnsafeBytes { (buffer) throws(ImportError) in
            try TensorProtoFile.decode(bytes: buffer, source: "inline")
        }
        #expect(name == "")
        #expect(tensor.scalars(as: Int32.self) == [3, -1])
    }

    @Test func tensorProtoErrorsNameTheSource() {
        let truncated: [UInt8] = [0x08, 0x02, 0x10]
        let error = truncated.withUnsafeBytes { buffer in
            importError { () throws(ImportError) in
                try TensorProtoFile.decode(bytes: buffer, source: "feed.pb")
            }
        }
        #expect(error?.description.contains("feed.pb") == true)
        #expect(error?.description.contains("truncated varint") == true)
    }
}

/// The mapping's lifetime, observed in /proc/self/maps on a private copy of the model.
@Suite struct MappingLifetimeTests {
    private func mapped(_ path: String) throws -> Bool {
        // procfs files report size 0, so read to the end rather than by size.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps"))
        defer { try? handle.close() }
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self).contains(path)
    }

    @Test func mappingLivesAsLongAsABorrowingTensor() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.onnx").path
        try FileManager.default.copyItem(atPath: fixture("simple.onnx"), toPath: path)

        var tensor: Tensor?
        do {
            let graph = try ModelLoader.load(path: path).graph
            #expect(try mapped(path))
            tensor = graph.initializers.first { graph[$0.key].name == "aligned" }?.value
        }
        #expect(try mapped(path))  // only the borrowed tensor keeps it
        #expect(tensor?.storage.isOwned == false)
        tensor = nil
        #expect(try !mapped(path))

        // A model whose tensors are all copies releases the mapping as soon as loading ends.
        let copyOnly = folder.appendingPathComponent("storage.onnx").path
        try FileManager.default.copyItem(atPath: fixture("initializers_as_inputs.onnx"), toPath: copyOnly)
        let model = try ModelLoader.load(path: copyOnly)
        #expect(model.graph.initializers.count == 1)
        #expect(try !mapped(copyOnly))
    }
}
