import Foundation

/// expected-results.txt: one line per tensor-only case of the suite.
///
/// ```
/// # Cast
/// pass test_cast_FLOAT_to_DOUBLE
/// fail test_cast_FLOAT_to_FLOAT8E4M3FN -- float8 element types are not supported
/// skip test_some_huge_case -- takes minutes in a debug build
/// ```
///
/// `pass` cases must pass (a failure fails the test); `fail` cases are run and expected to fail,
/// and passing one is reported so the line can become `pass`; `skip` cases are not run. Every
/// `fail` and `skip` has a one-line reason after ` -- `. `#` lines are comments.
struct ExpectedResults {
    enum Status: String, Sendable {
        case pass, fail, skip
    }

    struct Entry: Sendable {
        var status: Status
        var reason: String
    }

    /// A reason the update mode gives a new failure; the test refuses it until a person replaces it.
    static let unreviewedPrefix = "unreviewed:"

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("expected-results.txt")

    var entries: [String: Entry] = [:]

    init(entries: [String: Entry] = [:]) { self.entries = entries }

    /// Parses `text`, rejecting unknown statuses, duplicates and exclusions without a reason.
    init(parsing text: String) throws {
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.components(separatedBy: " -- ")
            let head = parts[0].split(separator: " ", omittingEmptySubsequences: true)
            let reason =
                parts.count > 1
                ? parts[1...].joined(separator: " -- ").trimmingCharacters(in: .whitespaces) : ""
            guard head.count == 2, let status = Status(rawValue: String(head[0])) else {
                throw SuiteError(
                    "expected-results.txt line \(number + 1): expected 'pass|fail|skip NAME [-- reason]', got '\(line)'"
                )
            }
            let name = String(head[1])
            guard entries[name] == nil else {
                throw SuiteError("expected-results.txt line \(number + 1): \(name) is listed twice")
            }
            guard status == .pass || !reason.isEmpty else {
                throw SuiteError(
                    "expected-results.txt line \(number + 1): '\(status.rawValue) \(name)' needs a reason after ' -- '"
                )
            }
            entries[name] = Entry(status: status, reason: reason)
        }
    }

    static func load() throws -> ExpectedResults {
        try ExpectedResults(parsing: String(contentsOf: file, encoding: .utf8))
    }

    /// The file's text for `cases` (grouped by op, sorted), taking statuses from `entries`.
    func render(cases: [NodeSuite.Case]) -> String {
        var text = """
            # Expected results of the ONNX backend node tests (onnx \(NodeSuite.pinnedVersion)), one line per
            # tensor-only case; read by Tests/ConformanceTests. `pass`: must pass (CI fails otherwise).
            # `fail`: run, expected to fail, with the reason. `skip`: not run, with the reason.
            # Rewrite after a change with: ONNX_NODE_TESTS_UPDATE=1 swift test --filter ConformanceTests
            # (reasons of cases still failing are kept; new failures need a reason written by hand).

            """
        let byOp = Dictionary(
            grouping: cases, by: { $0.domain.isEmpty ? $0.opType : "\($0.domain).\($0.opType)" })
        for op in byOp.keys.sorted() {
            text += "\n# \(op)\n"
            for testCase in byOp[op, default: []].sorted(by: { $0.name < $1.name }) {
                guard let entry = entries[testCase.name] else { continue }
                text +=
                    entry.status == .pass
                    ? "pass \(testCase.name)\n"
                    : "\(entry.status.rawValue) \(testCase.name) -- \(entry.reason)\n"
            }
        }
        return text
    }
}
