import Foundation
import Testing

/// Initializers whose declaration lies about their data, and the `--max-tensor-bytes` limit:
/// each is refused before anything is allocated, naming the file and the initializer.
@Suite struct InitializerTests {
    @Test(arguments: [
        ("malformed/short_raw.onnx", ["initializer 'liar'", "raw_data holds 20 bytes", "need 24"]),
        ("malformed/float_data_count.onnx", ["initializer 'few'", "float_data holds 3 values", "need 4"]),
        ("malformed/negative_dims.onnx", ["initializer 'neg'", "negative dimension -3"]),
        ("malformed/overflow_dims.onnx", ["initializer 'huge'", "overflow the element count"]),
        ("malformed/over_limit.onnx", ["initializer 'big'", "4398046511104 bytes", "over the limit of 17179869184"]),
        ("malformed/wrong_field.onnx", ["initializer 'misplaced'", "belongs in float_data"]),
        ("malformed/two_sources.onnx", ["initializer 'both'", "both raw_data and float_data"]),
        ("malformed/string_tensor.onnx", ["initializer 'words'", "STRING (8)", "not supported"]),
        ("malformed/unknown_dtype.onnx", ["initializer 'odd'", "unknown (99)"]),
        ("malformed/sparse_out_of_range.onnx", ["sparse_initializer 'sparse_w'", "index 3 out of range"]),
    ])
    func lyingInitializers(file: String, fragments: [String]) throws {
        let path = Repo.imported(file)
        expectFailure(try onnxpatch(["inspect", path]), status: 1, [path] + fragments)
    }

    /// A sparse initializer declares its dense size in a few bytes: 4 EiB must not be allocated.
    @Test func sparseInitializerWithAstronomicalDenseShape() throws {
        let path = Repo.hostile("models/sparse_huge.onnx")
        expectFailure(
            try onnxpatch(["inspect", path]), status: 1,
            [path, "sparse_initializer 'dense'", "[1073741824, 1073741824]", "limit of 17179869184"])
        // Regression: with the limit lifted, the dense tensor went to the allocator, which aborted.
        expectFailure(
            try onnxpatch(["inspect", path, "--max-tensor-bytes", "\(Int.max)"]), status: 1,
            [path, "sparse_initializer 'dense'", "cannot allocate 4611686018427387904 bytes"])
    }

    @Test func maxTensorBytesRefusesLargerTensors() throws {
        let path = Repo.imported("simple.onnx")
        // simple.onnx: w float32[3] (12 bytes), aligned float64[4] (32), misaligned float32[2] (8).
        expectSuccess(try onnxpatch(["inspect", path, "--max-tensor-bytes", "32"]))
        expectFailure(
            try onnxpatch(["inspect", path, "--max-tensor-bytes", "31"]), status: 1,
            [path, "initializer 'aligned'", "32 bytes", "over the limit of 31"])
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectFailure(
            try onnxpatch(["run", path, "--max-tensor-bytes", "8", "--out", dir.path]), status: 1,
            [path, "initializer 'w'", "12 bytes", "over the limit of 8"])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("manifest.json").path))
    }

    /// A larger limit lets through what the default refuses only when the data is really there:
    /// the bytes present are checked whatever the limit.
    @Test func maxTensorBytesDoesNotSkipTheDataCheck() throws {
        let path = Repo.imported("malformed/over_limit.onnx")
        expectFailure(
            try onnxpatch(["inspect", path, "--max-tensor-bytes", "\(Int.max)"]), status: 1,
            [path, "initializer 'big'", "raw_data holds 0 bytes", "need 4398046511104"])
    }

    @Test(arguments: [
        (["--max-tensor-bytes=-1"], "--max-tensor-bytes must be at least 0, got -1"),
        (["--max-tensor-bytes", "lots"], "'lots' is invalid for '--max-tensor-bytes"),
        (["--max-tensor-bytes", "99999999999999999999"], "--max-tensor-bytes"),
        (["--max-tensor-bytes"], "--max-tensor-bytes"),
    ])
    func badMaxTensorBytesIsAUsageError(flag: [String], expected: String) throws {
        let path = Repo.imported("simple.onnx")
        expectFailure(try onnxpatch(["inspect", path] + flag), status: 2, [expected])
    }
}
