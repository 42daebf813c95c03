import Foundation
import TensorCore
import Testing

/// Inputs that pass the input checks but make a node fail at run time: status 1, the node named,
/// no output folder left half-written.
@Suite struct RuntimeTests {
    static func run(_ model: String, _ inputs: [String: String], in dir: URL) throws -> CLIResult {
        try onnxpatch(["run", Repo.hostile("models/\(model)")]
                      + inputs.sorted { $0.key < $1.key }.flatMap { ["--input", "\($0.key)=\(Repo.hostile("inputs/\($0.value)"))"] }
                      + ["--out", dir.appendingPathComponent("out").path])
    }

    @Test(arguments: [
        ("add.onnx", ["a": "a_2x3.npy", "b": "b_4x3.npy"], ["node 'the_add' (Add)", "[2, 3] and [4, 3]"]),
        ("reshape.onnx", ["x": "x6.npy", "shape": "shape_4x4.npy"], ["node 'the_reshape' (Reshape)", "[4, 4]"]),
        // 2^90 elements: the element count overflows.
        ("fill.onnx", ["shape": "shape_huge.npy"], ["node 'the_fill' (ConstantOfShape)", "[1073741824, 1073741824, 1073741824]"]),
        ("fill.onnx", ["shape": "shape_negative.npy"], ["node 'the_fill' (ConstantOfShape)", "-1"]),
    ])
    func runtimeShapeErrorNamesTheNode(model: String, inputs: [String: String], fragments: [String]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectFailure(try Self.run(model, inputs, in: dir), status: 1, fragments)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/manifest.json").path))
    }

    /// A shape whose size fits in Int but not in any machine (2^50 float32 elements) is refused
    /// before allocation, not left to the allocator.
    @Test func astronomicalButRepresentableShapeIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // int64 [3] = [2^20, 2^20, 2^10]
        var data: [UInt8] = []
        for v in [Int64(1) << 20, Int64(1) << 20, Int64(1) << 10] { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        let shape = try write(InputFileTests.npy(InputFileTests.header(descr: "'<i8'", shape: "(3,)"), data: data), "shape.npy", in: dir)
        let result = try onnxpatch(["run", Repo.hostile("models/fill.onnx"), "--input", "shape=\(shape)", "--out", dir.path + "/out"])
        expectFailure(result, status: 1, ["node 'the_fill' (ConstantOfShape)", "[1048576, 1048576, 1024]"])
    }

    /// Regression: small inputs whose broadcast is 2^48 elements (1 PiB) reached the allocator,
    /// which aborted; the allocation failure is now the node's error.
    @Test func broadcastBeyondAnyAddressSpaceIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 1 << 16
        let c = dir.appendingPathComponent("c.npy").path, x = dir.appendingPathComponent("x.npy").path
        let y = dir.appendingPathComponent("y.npy").path
        try NPY.write(Tensor(shape: [n, 1, 1], scalars: [Bool](repeating: true, count: n)), path: c)
        try NPY.write(Tensor(shape: [1, n, 1], scalars: [Float](repeating: 1, count: n)), path: x)
        try NPY.write(Tensor(shape: [1, 1, n], scalars: [Float](repeating: 2, count: n)), path: y)
        let result = try onnxpatch([
            "run", Repo.hostile("models/where.onnx"), "--input", "c=\(c)", "--input", "x=\(x)", "--input", "y=\(y)",
            "--out", dir.appendingPathComponent("out").path,
        ])
        expectFailure(result, status: 1, ["node 'the_where' (Where)", "[65536, 65536, 65536]", "cannot allocate"])
    }
}
