import Foundation

/// The outcome of one case and the summary printed after a run.
struct CaseResult: Sendable {
    var testCase: NodeSuite.Case
    var expected: ExpectedResults.Status?
    /// nil when skipped.
    var passed: Bool?
    var message: String
    var seconds: Double
}

enum Report {
    /// Overall rate, per-family rates with the ops below 100%, the ops at 100%, slow cases.
    static func summary(_ results: [CaseResult], total: Int) -> String {
        let passed = results.filter { $0.passed == true }.count
        var lines: [String] = []
        lines.append(
            "ONNX node tests (onnx \(NodeSuite.pinnedVersion)): \(passed)/\(total) tensor-only cases pass "
                + "(\(percent(passed, total)))")

        struct Tally {
            var passed = 0
            var total = 0
        }
        var byOp: [String: Tally] = [:]
        var familyOfOp: [String: String] = [:]
        for result in results {
            let op = qualified(result.testCase)
            familyOfOp[op] = OpFamilies.family(of: result.testCase.opType, domain: result.testCase.domain)
            byOp[op, default: Tally()].total += 1
            if result.passed == true { byOp[op, default: Tally()].passed += 1 }
        }
        let families = Dictionary(grouping: byOp.keys, by: { familyOfOp[$0] ?? "other" })
        lines.append("")
        lines.append("per family (ops below 100% in brackets, passed/total):")
        for family in families.keys.sorted() {
            let ops = families[family, default: []].sorted()
            let p = ops.reduce(0) { $0 + (byOp[$1]?.passed ?? 0) }
            let t = ops.reduce(0) { $0 + (byOp[$1]?.total ?? 0) }
            let partial = ops.filter { byOp[$0].map { $0.passed < $0.total } ?? false }
                .map { "\($0) \(byOp[$0]?.passed ?? 0)/\(byOp[$0]?.total ?? 0)" }
            let name = family.padding(toLength: 34, withPad: " ", startingAt: 0)
            let counts = "\(p)/\(t)".padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append(
                "  \(name) \(counts) \(percent(p, t))"
                    + (partial.isEmpty ? "" : "  [\(partial.joined(separator: ", "))]"))
        }
        let complete = byOp.keys.filter { byOp[$0].map { $0.passed == $0.total } ?? false }.sorted()
        lines.append("")
        lines.append("ops at 100% (\(complete.count)): \(complete.joined(separator: ", "))")
        let slow = results.filter { $0.seconds > 1 }.sorted { $0.seconds > $1.seconds }.prefix(5)
        if !slow.isEmpty {
            lines.append("")
            lines.append(
                "slowest: "
                    + slow.map { "\($0.testCase.name) \(String(format: "%.1f", $0.seconds)) s" }
                    .joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// One line per case, tab-separated, for `ONNX_NODE_TESTS_REPORT`.
    static func table(_ results: [CaseResult]) -> String {
        var text = "name\top\tfamily\texpected\toutcome\tseconds\tmessage\n"
        for r in results {
            let outcome = r.passed.map { $0 ? "pass" : "fail" } ?? "skip"
            let family = OpFamilies.family(of: r.testCase.opType, domain: r.testCase.domain)
            text +=
                "\(r.testCase.name)\t\(qualified(r.testCase))\t\(family)\t\(r.expected?.rawValue ?? "unlisted")\t"
                + "\(outcome)\t\(String(format: "%.3f", r.seconds))\t\(r.message)\n"
        }
        return text
    }

    static func qualified(_ testCase: NodeSuite.Case) -> String {
        testCase.domain.isEmpty ? testCase.opType : "\(testCase.domain).\(testCase.opType)"
    }

    static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "-" : String(format: "%.1f%%", 100 * Double(part) / Double(whole))
    }
}
