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

    /// Model inputs kept from fuzzing go through the command line, as a user would meet them.
    @Test(arguments: files("FuzzModelLoader"))
    func model(path: String) throws {
        let result = try onnxpatch(["inspect", path], timeout: 60)
        #expect(!result.signaled && !result.timedOut, "\(result)")
        #expect(result.status == 0 || result.status == 1, "\(result)")
    }
}
