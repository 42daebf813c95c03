import Foundation
import ONNXImport
import Patching
import TensorCore
import Testing

/// Replays every input kept in Fixtures/hostile/<FuzzTarget>/ (crashes found by tools/fuzz.sh,
/// and by hand, once fixed) and the fuzzing seeds through the same entry points as the fuzz
/// targets: each must return or throw, never trap.
@Suite struct FuzzRegressionTests {
    static func files(_ target: String) -> [String] {
        var result: [String] = []
        for folder in [target, "seeds/\(target)"] {
            let url = Repo.hostile.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            result += names.filter { !$0.hasSuffix(".md") }.sorted().map { url.appendingPathComponent($0).path }
        }
        return result
    }

    @Test func everyTargetHasRegressions() {
        // A fixed crash without its input kept here would go untested.
        for target in ["FuzzNPY", "FuzzPatchSpec"] {
            #expect(!Self.files(target).filter { !$0.contains("/seeds/") }.isEmpty, "\(target)")
        }
    }

    @Test(arguments: files("FuzzNPY"))
    func npy(path: String) throws {
        let data = try bytes(path)
        let outcome = data.withUnsafeBytes { raw in Result { () throws(TensorError) in try NPY.decode(raw) } }
        if case .success(let tensor) = outcome {
            // The elements are the file's last bytes, as declared.
            #expect(tensor.withUnsafeRawBytes { Array($0) } == Array(data.suffix(tensor.byteCount)))
        }
    }

    @Test(arguments: files("FuzzTensorProto"))
    func tensorProto(path: String) throws {
        let data = try bytes(path)
        let outcome = data.withUnsafeBytes { raw in
            Result { () throws(ImportError) in try TensorProtoFile.decode(bytes: raw, source: "regression.pb") }
        }
        if case .failure(let error) = outcome { #expect(error.description.hasPrefix("regression.pb: ")) }
    }

    @Test(arguments: files("FuzzPatchSpec"))
    func patchSpec(path: String) throws {
        let text = String(decoding: try bytes(path), as: UTF8.self)
        guard let spec = try? PatchSpec.parse(text) else { return }
        for shape in [[5], [2, 3, 4], [0, 3], [1, 1, 7]] {
            guard let region = try? spec.index.region(in: shape) else { continue }
            for (axis, a) in region.axes.enumerated() where a.count > 0 {
                #expect(a.start >= 0 && a.start < shape[axis])
                #expect(a.start + (a.count - 1) * a.step >= 0 && a.start + (a.count - 1) * a.step < shape[axis])
            }
            let count = shape.reduce(1, *)
            let ints = Tensor(shape: shape, scalars: (0..<count).map { Int64.max - Int64($0) })
            _ = try? PatchKernel.apply(.add, region: region, value: Tensor(scalar: Int64.max), to: ints)
            _ = try? PatchKernel.apply(.mul, region: region, value: Tensor(scalar: Int64.min), to: ints)
        }
    }

    /// The slice arithmetic that overflowed, against hand-computed NumPy selections of `range(5)`.
    @Test(arguments: [
        ("1::2", 1, 2), ("::-2", 4, 3), ("4:0:-3", 4, 2), ("-2:", 3, 2), ("3:1", 0, 0),
        ("0:5:9223372036854775807", 0, 1), ("2::9223372036854775807", 2, 1),
        ("::-9223372036854775808", 4, 1), ("-1:-6:-9223372036854775807", 4, 1),
        ("-9223372036854775808:9223372036854775807", 0, 5),
    ])
    func extremeSlices(text: String, start: Int, count: Int) throws {
        let region = try IndexExpression.parse(text).region(in: [5])
        #expect(region.axes.count == 1)
        #expect(region.axes.first?.count == count)
        if count > 0 { #expect(region.axes.first?.start == start) }
    }

    /// Integer patches wrap like NumPy's int64 arithmetic (hand-computed).
    @Test func integerPatchesWrap() throws {
        let x = Tensor(shape: [2], scalars: [Int64.max, Int64.min])
        let all = try IndexExpression.all.region(in: [2])
        let added = try PatchKernel.apply(.add, region: all, value: Tensor(scalar: Int64(1)), to: x)
        #expect(added.scalars(as: Int64.self) == [Int64.min, Int64.min + 1])
        let doubled = try PatchKernel.apply(.mul, region: all, value: Tensor(scalar: Int64(2)), to: x)
        #expect(doubled.scalars(as: Int64.self) == [-2, 0])
        let bytes = Tensor(shape: [1], scalars: [UInt8(200)])
        let sum = try PatchKernel.apply(.add, region: IndexExpression.all.region(in: [1]), value: Tensor(scalar: UInt8(100)), to: bytes)
        #expect(sum.scalars(as: UInt8.self) == [44])
    }

    /// Model inputs kept from fuzzing go through the command line, as a user would meet them.
    @Test(arguments: files("FuzzModelLoader"))
    func model(path: String) throws {
        let result = try onnxpatch(["inspect", path], timeout: 60)
        #expect(!result.signaled && !result.timedOut, "\(result)")
        #expect(result.status == 0 || result.status == 1, "\(result)")
    }
}
