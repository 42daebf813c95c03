import Foundation
import Testing

/// Patch specs that cannot apply: each fails with one line naming the spec and the reason,
/// before anything runs. Specs that used to crash now run.
@Suite struct PatchSpecTests {
    static let model = Repo.hostile("models/add.onnx")  // sum = a[n,3] + b[m,3], float32
    static let a = Repo.hostile("inputs/a_2x3.npy")

    static func run(_ patches: [String], in dir: URL, extra: [String] = []) throws -> CLIResult {
        try onnxpatch(["run", model, "--input", "a=\(a)", "--input", "b=\(a)", "--out", dir.appendingPathComponent("out").path]
                      + patches.flatMap { ["--patch", $0] } + extra)
    }

    @Test(arguments: [
        ("a", "no '='"),
        ("=zero", "empty target"),
        ("a]=zero", "']' without '['"),
        ("a[]=zero", "empty index"),
        ("a[1,,2]=zero", "empty item"),
        ("a[x]=zero", "'x' is not an integer"),
        ("a[1:2:3:4]=zero", "more than two ':'"),
        ("a[::0]=zero", "slice step cannot be zero"),
        ("a[...,...]=zero", "more than one '...'"),
        ("a[99999999999999999999]=zero", "is not an integer"),
        ("a=explode", "unknown kind 'explode'"),
        ("a=add", "'add' needs an argument"),
        ("a=add:", "'add' needs an argument"),
        ("a=mul:two", "'two' is not a number"),
        ("a=replace:@", "'@' without a file name"),
        ("a=zero:1", "'zero' takes no argument"),
        ("a[0]=probe", "a probe records the whole value"),
    ])
    func malformedSpec(spec: String, expected: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectFailure(try Self.run([spec], in: dir), status: 1, ["'\(spec)'", expected])
    }

    @Test(arguments: [
        ("ghost=zero", "no node, value, input or initializer named 'ghost'"),
        ("a[5]=zero", "index 5 is out of range for axis 0 of size 2"),
        ("a[0,0,0]=zero", "3 indices for a tensor of rank 2"),
    ])
    func specThatDoesNotFitTheModel(spec: String, expected: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectFailure(try Self.run([spec], in: dir), status: 1, [spec, expected])
    }

    @Test func valueFilesThatAreWrong() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.npy").path
        expectFailure(try Self.run(["a=replace:@\(missing)"], in: dir), status: 1, ["a=replace:@\(missing)", "missing.npy"])
        let corrupt = try write(Array("\u{93}NUMPY junk".utf8), "corrupt.npy", in: dir)
        expectFailure(try Self.run(["a=add:@\(corrupt)"], in: dir), status: 1, ["a=add:@\(corrupt)", "corrupt.npy"])
        let wrongShape = Repo.hostile("inputs/x6.npy")  // float32 [6]
        expectFailure(
            try Self.run(["a=replace:@\(wrongShape)"], in: dir), status: 1,
            ["a=replace:@\(wrongShape)", "[6] does not broadcast to the region's shape [2, 3]"])
        let ints = Repo.hostile("inputs/shape_4x4.npy")  // int64 [2]
        expectFailure(
            try Self.run(["a[0, :2]=replace:@\(ints)"], in: dir), status: 1, ["int64", "float32", "without loss"])
    }

    /// Regressions: slice steps near Int.max and Int.min overflowed the region's element count
    /// (a trap); they select one element, as in NumPy.
    @Test(arguments: ["a[0:2:9223372036854775807]=zero", "a[::-9223372036854775808]=zero", "a[:, 1::9223372036854775807]=mul:0"])
    func extremeSliceStepsSelectOneElement(spec: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectSuccess(try Self.run([spec], in: dir))
    }

    /// Regression: integer add and mul overflowed (a trap); they wrap, as in NumPy.
    @Test func integerPatchOverflowWraps() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ patches: [String]) throws -> CLIResult {
            try onnxpatch([
                "run", Repo.hostile("models/reshape.onnx"),  // y = Reshape(x[6], shape int64[2])
                "--input", "x=\(Repo.hostile("inputs/x6.npy"))",
                "--input", "shape=\(Repo.hostile("inputs/shape_2x3.npy"))", "--out", dir.appendingPathComponent("out").path,
            ] + patches.flatMap { ["--patch", $0] })
        }
        // [2, 3] + 2^62 + 2^62 wraps to [2 - 2^63, 3 - 2^63]; * 2 wraps to [4, 6]: a shape the
        // Reshape refuses, naming the node and the wrapped values.
        let wrapped = try run(["shape=add:4611686018427387904", "shape=add:4611686018427387904", "shape=mul:2"])
        expectFailure(wrapped, status: 1, ["node 'the_reshape' (Reshape)", "[4, 6]"])
        // Numbers an int64 cannot hold exactly are refused, naming the spec.
        expectFailure(try run(["shape=add:0.5"]), status: 1, ["shape=add:0.5", "does not fit the target's dtype int64"])
        expectFailure(
            try run(["shape=add:9223372036854775807"]), status: 1,
            ["shape=add:9223372036854775807", "does not fit the target's dtype int64"])
    }

    @Test func patchesFileThatIsWrong() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, content, expected) in [
            ("object.json", "{\"a\": \"zero\"}", "expected a JSON list of patch spec strings"),
            ("numbers.json", "[1, 2]", "every entry of the list must be a string"),
            ("broken.json", "[\"a=zero\"", "expected a JSON list"),
            ("bad_spec.json", "[\"a=explode\"]", "unknown kind 'explode'"),
        ] {
            let path = try write(Array(content.utf8), name, in: dir)
            expectFailure(try Self.run([], in: dir, extra: ["--patches", path]), status: 1, [expected])
        }
    }
}
