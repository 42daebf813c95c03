import Foundation
import TensorCore
import Testing

/// Environment knobs, read once.
///
/// - `ONNX_NODE_TESTS=<dir>`: the suite folder (default `.cache/onnx-node-tests`).
/// - `ONNX_NODE_TESTS_FILTER=a,b`: run only cases whose name or op contains one of these
///   (development; the list checks that need every case are then left out).
/// - `ONNX_NODE_TESTS_REPORT=<file>`: also write one tab-separated line per case there.
/// - `ONNX_NODE_TESTS_VERBOSE=1`: print each case's name before running it (to find a crash).
/// - `ONNX_NODE_TESTS_UPDATE=1`: rewrite expected-results.txt from this run.
/// - `CI=true`: a missing suite is a failure instead of a skip.
private enum Knobs {
    static let environment = ProcessInfo.processInfo.environment
    static let filter = (environment["ONNX_NODE_TESTS_FILTER"] ?? "").split(separator: ",").map(String.init)
    static let report = environment["ONNX_NODE_TESTS_REPORT"]
    static let verbose = environment["ONNX_NODE_TESTS_VERBOSE"] == "1"
    static let update = environment["ONNX_NODE_TESTS_UPDATE"] == "1"
    static let isCI = environment["CI"] == "true"
}

@Suite("ONNX backend node tests")
struct NodeSuiteTests {
    @Test(
        "Every case of expected-results.txt marked pass passes",
        .enabled(
            if: NodeSuite.isPresent || Knobs.isCI,
            "the ONNX node test suite is not generated: run `python3 tools/make-onnx-node-tests.py` (needs pip onnx==1.23.2 numpy) or set ONNX_NODE_TESTS=<dir>"
        ))
    func nodeSuite() throws {
        guard NodeSuite.isPresent else {
            let path = NodeSuite.location.path
            Issue.record(
                "CI=true but the node test suite is missing at \(path): run `python3 tools/make-onnx-node-tests.py` before `swift test`"
            )
            return
        }
        let suite = try NodeSuite(root: NodeSuite.location)
        let expected =
            Knobs.update && !FileManager.default.fileExists(atPath: ExpectedResults.file.path)
            ? ExpectedResults() : try ExpectedResults.load()
        let tensorCases = suite.cases.filter(\.tensorOnly)
        let selected =
            Knobs.filter.isEmpty
            ? tensorCases
            : tensorCases.filter { c in
                Knobs.filter.contains { c.name.contains($0) || c.opType == $0 }
            }

        let started = ContinuousClock.now
        var results: [CaseResult] = []
        for testCase in selected {
            let status = expected.entries[testCase.name]?.status
            if status == .skip {
                results.append(
                    CaseResult(
                        testCase: testCase, expected: status, passed: nil,
                        message: expected.entries[testCase.name]?.reason ?? "", seconds: 0))
                continue
            }
            if Knobs.verbose { FileHandle.standardError.write(Data("running \(testCase.name)\n".utf8)) }
            let caseStart = ContinuousClock.now
            let failure = CaseRunner.run(testCase)
            let elapsed = ContinuousClock.now - caseStart
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            results.append(
                CaseResult(
                    testCase: testCase, expected: status, passed: failure == nil,
                    message: failure ?? "", seconds: seconds))
        }
        print(Report.summary(results, total: selected.count))
        print("ran \(results.filter { $0.passed != nil }.count) cases in \(ContinuousClock.now - started)")
        if let path = Knobs.report {
            try Report.table(results).write(toFile: path, atomically: true, encoding: .utf8)
            print("per-case results written to \(path)")
        }

        let unexpectedPasses = results.filter { $0.passed == true && $0.expected == .fail }
        if !unexpectedPasses.isEmpty {
            print(
                "\(unexpectedPasses.count) cases listed as fail now pass (mark them pass in expected-results.txt): "
                    + unexpectedPasses.map(\.testCase.name).joined(separator: " "))
        }
        for result in results where result.expected == .pass && result.passed == false {
            Issue.record("\(result.testCase.name) (\(result.testCase.opType)) regressed: \(result.message)")
        }

        if Knobs.update {
            try update(expected, with: results, cases: tensorCases)
            return
        }
        guard Knobs.filter.isEmpty else { return }
        checkList(expected, cases: tensorCases)
    }

    /// The list covers exactly the suite's tensor-only cases, every reason is reviewed, and no
    /// case of an op transformer exports use is excluded.
    private func checkList(_ expected: ExpectedResults, cases: [NodeSuite.Case]) {
        let names = Set(cases.map(\.name))
        let unlisted = cases.filter { expected.entries[$0.name] == nil }.map(\.name)
        if !unlisted.isEmpty {
            Issue.record(
                "\(unlisted.count) cases are missing from expected-results.txt: \(unlisted.joined(separator: " "))"
            )
        }
        let unknown = expected.entries.keys.filter { !names.contains($0) }.sorted()
        if !unknown.isEmpty {
            Issue.record(
                "expected-results.txt lists cases the suite does not have: \(unknown.joined(separator: " "))")
        }
        for (name, entry) in expected.entries.sorted(by: { $0.key < $1.key })
        where entry.reason.hasPrefix(ExpectedResults.unreviewedPrefix) {
            Issue.record("\(name): replace the generated reason with a reviewed one (\(entry.reason))")
        }
        // Every case of an op transformer exports use must pass, except those needing string
        // tensors (OpFamilies.exemptReasons).
        for testCase in cases
        where OpFamilies.transformerOps.contains(testCase.opType) && testCase.domain.isEmpty {
            if let entry = expected.entries[testCase.name], entry.status != .pass,
                !OpFamilies.exemptReasons.contains(where: { entry.reason.hasPrefix($0) })
            {
                Issue.record(
                    "\(testCase.name): \(testCase.opType) is used by transformer exports, so every case must pass"
                )
            }
        }
    }

    /// Rewrites expected-results.txt: passing cases become `pass`; failing ones keep their reason
    /// or get an unreviewed one from the failure; skips stay skips.
    private func update(_ old: ExpectedResults, with results: [CaseResult], cases: [NodeSuite.Case]) throws {
        var new = old
        for result in results {
            let name = result.testCase.name
            switch result.passed {
            case true?:
                new.entries[name] = .init(status: .pass, reason: "")
            case false?:
                if let entry = old.entries[name], entry.status == .fail { continue }
                let message = result.message.replacingOccurrences(
                    of: result.testCase.folder.path + "/", with: ""
                )
                .replacingOccurrences(
                    of: result.testCase.folder.deletingLastPathComponent().path + "/", with: "")
                new.entries[name] = .init(
                    status: .fail, reason: "\(ExpectedResults.unreviewedPrefix) \(message)")
            case nil:
                break
            }
        }
        try new.render(cases: cases).write(to: ExpectedResults.file, atomically: true, encoding: .utf8)
        print("rewrote \(ExpectedResults.file.path)")
    }
}

@Suite("Node test comparison")
struct ComparisonTests {
    @Test(
        "Floats compare within atol + rtol·|expected|, NaN equals NaN, infinities by sign",
        arguments: [
            (1.0, 1.0005, true), (1.0, 1.002, false), (0.0, 9e-6, true), (0.0, 2e-5, false),
            (Double.nan, .nan, true), (.nan, 1, false), (1, .nan, false), (.infinity, .infinity, true),
            (-.infinity, .infinity, false), (1e30, .infinity, false),
        ])
    func closeness(got: Double, expected: Double, close: Bool) {
        #expect(CaseRunner.isClose(got, expected) == close)
    }

    @Test("Tensors differ in dtype, shape or an element; integers compare exactly")
    func tensors() {
        let a = Tensor(shape: [2], scalars: [1, 2] as [Float])
        #expect(CaseRunner.compare(a, Tensor(shape: [2], scalars: [1, 2.0001] as [Float])) == nil)
        #expect(CaseRunner.compare(a, Tensor(shape: [2], scalars: [1, 2.1] as [Float])) != nil)
        #expect(CaseRunner.compare(a, Tensor(shape: [1, 2], scalars: [1, 2] as [Float])) != nil)
        #expect(CaseRunner.compare(a, Tensor(shape: [2], scalars: [1, 2] as [Double])) != nil)
        let big = Tensor(shape: [1], scalars: [Int64.max] as [Int64])
        #expect(CaseRunner.compare(big, Tensor(shape: [1], scalars: [Int64.max - 1] as [Int64])) != nil)
        #expect(CaseRunner.compare(big, big) == nil)
        #expect(
            CaseRunner.compare(Tensor(shape: [1], scalars: [true]), Tensor(shape: [1], scalars: [false]))
                != nil)
    }

    @Test("expected-results.txt lines: statuses, reasons required for exclusions, no duplicates")
    func parsing() throws {
        let parsed = try ExpectedResults(
            parsing: "# c\npass test_a\nfail test_b -- no float8 -- really\n\nskip test_c -- slow\n")
        #expect(parsed.entries["test_a"]?.status == .pass)
        #expect(parsed.entries["test_b"]?.reason == "no float8 -- really")
        #expect(parsed.entries["test_c"]?.status == .skip)
        #expect(throws: SuiteError.self) { try ExpectedResults(parsing: "fail test_b\n") }
        #expect(throws: SuiteError.self) { try ExpectedResults(parsing: "pass test_a\npass test_a\n") }
        #expect(throws: SuiteError.self) { try ExpectedResults(parsing: "passes test_a\n") }
    }
}
