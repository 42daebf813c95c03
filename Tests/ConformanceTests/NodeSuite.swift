import Foundation

// ConformanceTests: the ONNX backend node test suite (onnx 1.23.2) run through the importer and
// the interpreter, as a user's model would be. tools/make-onnx-node-tests.py writes the suite;
// expected-results.txt says which cases must pass (the regression guard) and why the others are
// excluded.

/// The node test suite on disk: `<case>/model.onnx`, `<case>/test_data_set_k/{input,output}_j.pb`,
/// and `index.tsv` naming the op each case tests.
struct NodeSuite {
    /// The onnx release the suite and expected-results.txt belong to.
    static let pinnedVersion = "1.23.2"

    struct Case: Sendable {
        var name: String
        /// The op under test (for `_expanded` cases, the op whose function body the graph holds).
        var opType: String
        var domain: String
        /// Every graph input and output is a tensor (no sequence, optional or map).
        var tensorOnly: Bool
        var folder: URL
    }

    let root: URL
    let cases: [Case]

    /// The repository root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `ONNX_NODE_TESTS` when set, else `.cache/onnx-node-tests` in the repository.
    static var location: URL {
        if let path = ProcessInfo.processInfo.environment["ONNX_NODE_TESTS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.appendingPathComponent(".cache/onnx-node-tests")
    }

    static var isPresent: Bool {
        FileManager.default.fileExists(atPath: location.appendingPathComponent("index.tsv").path)
    }

    /// Reads the index at `root`, checking it was written from the pinned onnx release.
    init(root: URL) throws {
        self.root = root
        let version = try String(contentsOf: root.appendingPathComponent("ONNX_VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard version == Self.pinnedVersion else {
            throw SuiteError(
                "the suite at \(root.path) was written by onnx \(version); "
                    + "expected-results.txt belongs to onnx \(Self.pinnedVersion)")
        }
        let index = try String(contentsOf: root.appendingPathComponent("index.tsv"), encoding: .utf8)
        var cases: [Case] = []
        for (number, line) in index.split(separator: "\n").enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else {
                throw SuiteError(
                    "index.tsv line \(number + 1): expected 4 tab-separated fields, got \(fields.count)")
            }
            cases.append(
                Case(
                    name: fields[0], opType: fields[1], domain: fields[2],
                    tensorOnly: fields[3] == "tensor",
                    folder: root.appendingPathComponent(fields[0])))
        }
        self.cases = cases
    }
}

struct SuiteError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
