import Foundation
import GraphIR
import Testing

@testable import ONNXImport

/// Files that must be refused with a one-line message naming the file and the culprit.
@Suite struct MalformedModelTests {
    @Test func missingFileDirectoryAndEmptyFile() {
        expectLoadError(fixture("does-not-exist.onnx"), ["cannot open", "No such file"])
        expectLoadError(fixture("external"), ["cannot open", "directory"])
        expectLoadError(fixture("malformed/empty.onnx"), ["empty"])
    }

    @Test func randomBytes() {
        expectLoadError(fixture("malformed/random.onnx"), ["not a valid ONNX model"])
    }

    @Test func deepNestingIsRefusedBeforeUnpack() {
        expectLoadError(fixture("malformed/nested.onnx"), ["nest 65 deep", "limit of 64"])
        var options = ImportOptions()
        // simple.onnx nests 7 deep: ModelProto, graph, input, type, tensor_type, shape, dim.
        options.maxNestingDepth = 6
        expectLoadError(fixture("simple.onnx"), ["nest 7 deep", "limit of 6"], options: options)
        options.maxNestingDepth = 7
        #expect(throws: Never.self) { try ModelLoader.load(path: fixture("simple.onnx"), options: options) }
    }

    /// Every proper prefix of a valid model is refused: by the scanner (a length or varint cut
    /// short), or after unpack (graph or opset_import missing).
    @Test func everyTruncation() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("simple.onnx")))
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("truncated.onnx").path
        var reasons: Set<String> = []
        for length in 1..<bytes.count {
            try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
            guard let error = importError({ () throws(ImportError) in try ModelLoader.load(path: path) })
            else {
                Issue.record("prefix of \(length) bytes loaded")
                continue
            }
            #expect(error.description.hasPrefix(path + ": "))
            switch error {
            case .malformedProtobuf: reasons.insert("malformed")
            case .missingField(_, let field, _): reasons.insert(field)
            case .notAValidModel: reasons.insert("unpack")
            default: reasons.insert(error.description)
            }
        }
        // The cut points cover both kinds of detection.
        #expect(reasons.contains("malformed"))
        #expect(reasons.contains("ModelProto.graph"))
        #expect(reasons.contains("ModelProto.opset_import"))
    }

    @Test func verifierErrorsAreWrapped() {
        expectLoadError(
            fixture("malformed/undefined_input.onnx"),
            ["node 'uses_ghost'", "input 'ghost'", "never defined"])
        expectLoadError(
            fixture("malformed/defined_twice.onnx"), ["value 'y'", "defined twice", "'first'", "'second'"])
        expectLoadError(fixture("malformed/cycle.onnx"), ["cycle", "'loop_a'", "'loop_b'"])
        expectLoadError(
            fixture("malformed/duplicate_initializer.onnx"), ["value 'w'", "defined twice", "initializer"])
    }

    @Test(arguments: [
        ("short_raw.onnx", ["initializer 'liar'", "raw_data holds 20 bytes", "need 24"]),
        ("negative_dims.onnx", ["initializer 'neg'", "negative dimension -3"]),
        ("overflow_dims.onnx", ["initializer 'huge'", "overflow"]),
        ("over_limit.onnx", ["initializer 'big'", "4398046511104 bytes", "over the limit"]),
        ("float_data_count.onnx", ["initializer 'few'", "float_data holds 3 values", "need 4"]),
        ("wrong_field.onnx", ["initializer 'misplaced'", "belongs in float_data", "found int64_data"]),
        ("string_tensor.onnx", ["initializer 'words'", "STRING (8)", "not supported"]),
        ("unknown_dtype.onnx", ["initializer 'odd'", "unknown (99)"]),
        ("two_sources.onnx", ["initializer 'both'", "both raw_data and float_data"]),
        ("no_graph.onnx", ["ModelProto.graph"]),
        ("no_opset.onnx", ["ModelProto.opset_import"]),
        ("no_op_type.onnx", ["node 'blank'", "NodeProto.op_type"]),
        (
            "sparse_out_of_range.onnx",
            ["sparse_initializer 'sparse_w'", "index 3 out of range for 3 elements"]
        ),
        ("empty_attribute.onnx", ["node 'valueless'", "attribute 'alpha'", "neither a type nor a value"]),
    ])
    func lyingOrIncompleteDeclarations(file: String, fragments: [String]) {
        expectLoadError(fixture("malformed/" + file), fragments)
    }

    @Test func tensorLimitIsAnOption() {
        var options = ImportOptions()
        options.maxTensorBytes = 8
        expectLoadError(
            fixture("simple.onnx"), ["initializer 'w'", "12 bytes", "over the limit of 8"], options: options)
    }

    @Test func nodeLimit() {
        var options = ImportOptions()
        options.maxNodes = 1
        expectLoadError(fixture("simple.onnx"), ["2 nodes", "limit of 1"], options: options)
    }

    @Test func memoryBudget() {
        var options = ImportOptions()
        options.memoryBudget = 256
        expectLoadError(fixture("storage_forms.onnx"), ["memory budget of 256 bytes"], options: options)
    }
}

@Suite struct TensorProtoFileErrorTests {
    @Test func missingEmptyAndModelInsteadOfTensor() {
        for (path, fragment) in [
            (fixture("missing.pb"), "No such file"), (fixture("malformed/empty.onnx"), "empty"),
            // A model file is not a TensorProto: its graph field (7) is int64_data there, and
            // protobuf-c refuses the mismatch.
            (fixture("simple.onnx"), "TensorProto"),
        ] {
            let error = importError { () throws(ImportError) in try TensorProtoFile.load(path: path) }
            #expect(error?.description.hasPrefix(path + ": ") == true)
            #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
        }
    }
}
