import Foundation
import ONNXPatch
import Testing

/// Paths into the repository, found from this file's location (tests need no working directory).
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Fixtures")
    static let models = fixtures.appendingPathComponent("models")

    /// The `onnxpatch` binary built beside this test bundle.
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["ONNXPATCH_BIN"] {
            return URL(fileURLWithPath: explicit)
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("onnxpatch")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/onnxpatch")
    }
}

/// One exported model with its onnxruntime reference (`Fixtures/models/<name>/fixture.json`,
/// written by tools/make-fixtures.py).
struct Fixture: CustomStringConvertible, Sendable {
    struct Intermediate: Decodable, Sendable {
        var file: String
        var producer: String?
        var op: String?
    }

    struct Manifest: Decodable, Sendable {
        var model: String
        var exporter: String
        var opset: Int
        var inputs: [String: String]
        var outputs: [String: String]
        var intermediates: [String: Intermediate]?
    }

    var name: String
    var folder: URL
    var manifest: Manifest

    var description: String { name }
    var modelPath: String { folder.appendingPathComponent(manifest.model).path }
    func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

    static func all() -> [Fixture] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Repo.models.path)) ?? []
        return names.sorted().compactMap { name in
            let folder = Repo.models.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: folder.appendingPathComponent("fixture.json")),
                  let manifest = try? JSONDecoder().decode(Manifest.self, from: data)
            else { return nil }
            return Fixture(name: name, folder: folder, manifest: manifest)
        }
    }

    func inputs() throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (name, file) in manifest.inputs { feeds[name] = try NPY.read(path: path(file)) }
        return feeds
    }
}

/// Expects `actual` to equal `expected` in dtype and shape and, element by element, within
/// `atol + rtol·|expected|` (floats) or exactly (integers and bools).
func expectMatches(
    _ actual: Tensor, _ expected: Tensor, atol: Double = 1e-4, rtol: Double = 1e-3, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(actual.dtype == expected.dtype, "\(what): dtype", sourceLocation: sourceLocation)
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    guard actual.dtype == expected.dtype, actual.shape == expected.shape else { return }
    let a = try actual.doubleValues()
    let e = try expected.doubleValues()
    var worst = 0.0
    var failures = 0
    for (x, y) in zip(a, e) {
        if x.isNaN && y.isNaN { continue }
        let diff = abs(x - y)
        if !(diff <= atol + rtol * abs(y)) { failures += 1 }
        if diff > worst || diff.isNaN { worst = diff }
    }
    #expect(failures == 0, "\(what): \(failures) of \(a.count) elements differ, max abs diff \(worst)",
            sourceLocation: sourceLocation)
}
