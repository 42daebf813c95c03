import Foundation
import ONNXPatch
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `onnxpatch sweep` and `onnxpatch merge`: the files, shards, resume and refusals.
@Suite struct SweepCLITests {
    static func readCSV(_ folder: URL) throws -> String {
        try String(contentsOf: folder.appendingPathComponent("sweep.csv"), encoding: .utf8)
    }

    static func rows(_ csv: String) -> [[String]] {
        csv.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func writesCSVJSONAndHeatmapMatchingTheReference() throws {
        let sweepCase = try SweepCase.named("gpt2-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try onnxpatch(sweepCase.commandLine(out: dir.path))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("swept 35 cells"))
        let csv = try Self.readCSV(dir)
        #expect(csv.hasPrefix("target,position,metric,normalized\n"))
        let rows = Self.rows(csv)
        #expect(rows.count == sweepCase.entry.cells.count)
        for (row, want) in zip(rows, sweepCase.entry.cells) {
            #expect(row.count == 4)
            #expect(row[0] == want.target && row[1] == String(want.position))
            #expect(abs((Double(row[2]) ?? .nan) - want.metric) <= 1e-4, "\(row)")
            #expect(
                abs((Double(row[3]) ?? .nan) - want.normalized) <= sweepCase.normalizedTolerance, "\(row)")
        }
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("sweep.json")))
            as? [String: Any]
        let record = try #require(json)
        #expect(abs((record["clean_metric"] as? Double ?? .nan) - sweepCase.entry.cleanMetric) <= 1e-4)
        #expect(abs((record["corrupt_metric"] as? Double ?? .nan) - sweepCase.entry.corruptMetric) <= 1e-4)
        let model = record["model"] as? [String: Any]
        #expect((model?["sha256"] as? String)?.count == 64)
        let arguments = record["arguments"] as? [String: Any]
        #expect(arguments?["targets"] as? [String] == sweepCase.entry.targets)
        #expect(arguments?["metric"] as? String == sweepCase.entry.metric)
        #expect((record["cells"] as? [Any])?.count == 35)
        #expect(record["complete"] as? Bool == true)
        let svg = try String(contentsOf: dir.appendingPathComponent("heatmap.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        for target in sweepCase.entry.resolved { #expect(svg.contains(">\(target)</text>")) }
        #expect(svg.components(separatedBy: "<title>").count - 1 == 35)
        #expect(svg.contains(sweepCase.entry.metric))
        // The heatmap is well-formed XML.
        #expect(XMLParser(data: Data(svg.utf8)).parse())
    }

    @Test func jsonFlagPrintsTheRecord() throws {
        let sweepCase = try SweepCase.named("gpt2-legacy-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try onnxpatch(sweepCase.commandLine(out: dir.path) + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let printed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(printed?["positions"] as? [Int] == [0, 2, 6])
        #expect((printed?["cells"] as? [Any])?.count == sweepCase.entry.cells.count)
    }

    /// With a tokenizer, the positions are labelled with the clean and corrupted tokens
    /// (expected strings from the `tokenizers` package's decode of each id).
    @Test func tokenizerLabelsThePositions() throws {
        let sweepCase = try SweepCase.named("gpt2-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokenizer = Repo.fixtures.appendingPathComponent("tokenizers/gpt2/tokenizer.json").path
        let result = try onnxpatch(sweepCase.commandLine(out: dir.path) + ["--tokenizer", tokenizer])
        #expect(result.status == 0, "\(result.stderr)")
        let record = try SweepRecord.read(Data(contentsOf: dir.appendingPathComponent("sweep.json")))
        #expect(record.tokens?.clean == ["H", "/", "\u{FFFD}", "h", "6", "K", "r"])
        #expect(record.tokens?.corrupt == ["H", "/", ":", "h", "Y", "K", "r"])
        let svg = try String(contentsOf: dir.appendingPathComponent("heatmap.svg"), encoding: .utf8)
        #expect(svg.contains(">\u{FFFD}<tspan fill=\"#b2182b\"> → :</tspan></text>"))
        #expect(svg.contains(">K</text>"))
    }

    /// Cells computed by the sweep equal `onnxpatch run --patch T[:, p]=replace:@clean.npy`.
    @Test func cellsEqualRunWithPatch() throws {
        let sweepCase = try SweepCase.named("llama-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(
            try onnxpatch(sweepCase.commandLine(out: dir.appendingPathComponent("sweep").path)).status == 0)
        let rows = Self.rows(try Self.readCSV(dir.appendingPathComponent("sweep")))
        let model = try PatchableGraph(path: sweepCase.modelPath)
        let clean = try sweepCase.feeds(sweepCase.entry.clean)
        let cleanOut = try model.run(clean)
        let cleanRow = try lastRow(try #require(cleanOut.first?.tensor))
        let metric = try SweepMetric.parse(sweepCase.entry.metric)
        for row in rows where ["2", "4", "6"].contains(row[1]) && row[0] != sweepCase.entry.resolved[0] {
            let target = row[0]
            let p = Int(row[1]) ?? 0
            let value = try #require(try model.run(clean, fetching: [target]).last?.tensor)
            let part = dir.appendingPathComponent("clean-\(target)-\(p).npy").path
            try NPY.write(try NPYRegion.take(value, axis: 1, index: p), path: part)
            let out = dir.appendingPathComponent("run-\(target)-\(p)").path
            let run = try onnxpatch(
                ["run", sweepCase.modelPath] + sweepCase.arguments("--input", sweepCase.entry.corrupt)
                    + ["--patch", "\(target)[:, \(p):\(p + 1)]=replace:@\(part)", "--out", out])
            #expect(run.status == 0, "\(run.stderr)")
            let logits = try NPY.read(path: out + "/logits.npy")
            let expected = metric.evaluate(try lastRow(logits), clean: cleanRow)
            #expect(abs((Double(row[2]) ?? .nan) - expected) <= 1e-4, "\(target)@\(p)")
        }
    }

    @Test func shardsMergeIntoTheFullSweep() throws {
        let sweepCase = try SweepCase.named("gptneox-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full")
        #expect(try onnxpatch(sweepCase.commandLine(out: full.path)).status == 0)
        var shards: [String] = []
        for i in 0..<3 {
            let out = dir.appendingPathComponent("shard\(i)").path
            let result = try onnxpatch(sweepCase.commandLine(out: out) + ["--shard", "\(i)/3"])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = Self.rows(try Self.readCSV(URL(fileURLWithPath: out)))
            #expect(
                rows.count == (sweepCase.entry.cells.count + 2 - i) / 3, "shard \(i) holds every third cell")
            shards.append(out)
        }
        let merged = dir.appendingPathComponent("merged")
        let result = try onnxpatch(["merge"] + shards.reversed() + ["--out", merged.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("\(sweepCase.entry.cells.count) of \(sweepCase.entry.cells.count) cells"))
        #expect(try Self.readCSV(merged) == Self.readCSV(full))
        let record = try SweepRecord.read(Data(contentsOf: merged.appendingPathComponent("sweep.json")))
        #expect(record.complete && record.shard == nil)
        // Two shards only: merged, with the missing cells counted and hatched in the heatmap.
        let partial = dir.appendingPathComponent("partial")
        let two = try onnxpatch(["merge", shards[0], shards[2], "--out", partial.path])
        #expect(two.status == 0)
        #expect(two.stdout.contains("missing"))
        let svg = try String(contentsOf: partial.appendingPathComponent("heatmap.svg"), encoding: .utf8)
        #expect(svg.contains("url(#missing)"))
    }

    /// A sweep stopped part way (and killed in the middle of a row) continues with --resume,
    /// keeping the rows it has and computing only the others.
    @Test func resumeCompletesWithoutRecomputing() throws {
        let sweepCase = try SweepCase.named("gpt2-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("sweep")
        let first = try onnxpatch(sweepCase.commandLine(out: out.path) + ["--max-cells", "10"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("25 cells left"))
        var csv = try Self.readCSV(out)
        #expect(Self.rows(csv).count == 10)
        #expect(
            try SweepRecord.read(Data(contentsOf: out.appendingPathComponent("sweep.json"))).missing == 25)
        // Mark a finished row (a recomputed cell would lose the mark) and leave half a row, as
        // a kill during a write would.
        var lines = csv.split(separator: "\n").map(String.init)
        let marked = lines[3].split(separator: ",").prefix(2).joined(separator: ",") + ",12345.0,0.5"
        lines[3] = marked
        csv = lines.joined(separator: "\n") + "\n" + "node_add_4,3,0.28"
        try csv.write(to: out.appendingPathComponent("sweep.csv"), atomically: true, encoding: .utf8)

        let again = try onnxpatch(sweepCase.commandLine(out: out.path) + ["--resume"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("swept 25 cells (10 already in"))
        let final = try Self.readCSV(out)
        let rows = Self.rows(final)
        #expect(rows.count == 35)
        #expect(final.contains(marked + "\n"))
        #expect(
            rows.map { $0[0] + "@" + $0[1] } == sweepCase.entry.cells.map { "\($0.target)@\($0.position)" })
        #expect(try SweepRecord.read(Data(contentsOf: out.appendingPathComponent("sweep.json"))).complete)
        // Resuming a finished sweep computes nothing.
        let done = try onnxpatch(sweepCase.commandLine(out: out.path) + ["--resume"])
        #expect(done.stdout.contains("swept 0 cells (35 already in"))
    }

    // MARK: Refusals, each before any work and with nothing written

    struct Refusal: CustomStringConvertible, Sendable {
        var name: String
        var arguments: @Sendable (SweepCase, String) -> [String]
        var status: Int32
        var message: String
        var description: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "target without the axis",
            arguments: { c, out in
                c.commandLine(out: out) + ["--axis", "4"]
            }, status: 1, message: "no axis 4"),
        Refusal(
            name: "positions beyond the target",
            arguments: { c, out in
                var args = c.commandLine(out: out)
                args[(args.firstIndex(of: "--positions") ?? 0) + 1] = "0,9"
                return args
            }, status: 1, message: "position 9 is out of range"),
        Refusal(
            name: "token id out of range",
            arguments: { c, out in
                var args = c.commandLine(out: out)
                args[(args.firstIndex(of: "--metric") ?? 0) + 1] = "logit-diff:3,500"
                return args
            }, status: 1, message: "token id 500 is out of range for a vocabulary of 128"),
        Refusal(
            name: "unknown metric output",
            arguments: { c, out in
                c.commandLine(out: out) + ["--metric-output", "hidden"]
            }, status: 1, message: "no such output"),
        Refusal(
            name: "shard out of range",
            arguments: { c, out in
                c.commandLine(out: out) + ["--shard", "3/3"]
            }, status: 2, message: "--shard 3/3"),
        Refusal(
            name: "malformed shard",
            arguments: { c, out in
                c.commandLine(out: out) + ["--shard", "1"]
            }, status: 2, message: "expected i/n"),
        Refusal(
            name: "malformed metric",
            arguments: { c, out in
                var args = c.commandLine(out: out)
                args[(args.firstIndex(of: "--metric") ?? 0) + 1] = "logit-diff:3"
                return args
            }, status: 2, message: "two token ids"),
        Refusal(
            name: "unknown target",
            arguments: { c, out in
                c.commandLine(out: out) + ["--target", "node_add_99"]
            }, status: 1, message: "no node, value, input or initializer named 'node_add_99'"),
    ]

    @Test(arguments: refusals)
    func refusesBeforeAnyWork(_ refusal: Refusal) throws {
        let sweepCase = try SweepCase.named("gpt2-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("sweep")
        let result = try onnxpatch(refusal.arguments(sweepCase, out.path))
        #expect(result.status == refusal.status, "\(refusal): \(result.stderr)")
        #expect(!result.signaled)
        #expect(
            result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1,
            "\(result.stderr)")
        #expect(result.stderr.contains(refusal.message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("sweep.csv").path))
    }

    /// sweep.json is read back by merge and resume: what does not hold together is refused.
    @Test func refusesInconsistentRecords() throws {
        let sweepCase = try SweepCase.named("gpt2-legacy-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a")
        #expect(try onnxpatch(sweepCase.commandLine(out: a.path)).status == 0)
        let json = a.appendingPathComponent("sweep.json")
        let original = try Data(contentsOf: json)
        let edits: [(String, (inout [String: Any]) -> Void)] = [
            ("tokens do not match the positions", { $0["tokens"] = ["clean": ["a"], "corrupt": ["b"]] }),
            ("a position is listed twice", { $0["positions"] = [0, 0, 6] }),
            ("no 'cells'", { $0["cells"] = nil }),
            ("is more than 10000000 cells", { $0["positions"] = Array(0..<4_000_000) }),
        ]
        for (message, edit) in edits {
            var object = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: json)
            let merge = try onnxpatch(["merge", a.path, "--out", dir.appendingPathComponent("m").path])
            #expect(merge.status == 1 && !merge.signaled, "\(message): \(merge.stderr)")
            #expect(merge.stderr.contains(message), "\(merge.stderr)")
            let resume = try onnxpatch(sweepCase.commandLine(out: a.path) + ["--resume"])
            #expect(resume.status == 1 && resume.stderr.contains(message), "\(resume.stderr)")
        }
    }

    @Test func refusesShapesThatDiffer() throws {
        let sweepCase = try SweepCase.named("gpt2-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let short = dir.appendingPathComponent("short.npy").path
        try NPY.write(Tensor(shape: [2, 6], scalars: [Int64](repeating: 1, count: 12)), path: short)
        var args = sweepCase.commandLine(out: dir.appendingPathComponent("sweep").path)
        let i = try #require(args.firstIndex { $0.hasPrefix("input_ids=") && $0.contains("corrupt_") })
        args[i] = "input_ids=" + short
        let result = try onnxpatch(args)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "clean and corrupt inputs differ in shape: 'input_ids' is int64[2, 7] in --clean but int64[2, 6] in --corrupt"
            ))
    }

    @Test func refusesMetricOutputThatIsNotLogits() throws {
        let folder = Repo.models.appendingPathComponent("bert-dynamo")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = try FileManager.default.contentsOfDirectory(
            atPath: folder.appendingPathComponent("inputs").path
        ).sorted()
        var args = ["sweep", folder.appendingPathComponent("model.onnx").path]
        for file in inputs {
            let name = String(file.dropLast(4))
            let path = folder.appendingPathComponent("inputs/\(file)").path
            args += ["--clean", "\(name)=\(path)", "--corrupt", "\(name)=\(path)"]
        }
        args += [
            "--target", "*", "--metric", "kl", "--metric-output", "pooler_output", "--out",
            dir.appendingPathComponent("s").path,
        ]
        let result = try onnxpatch(args)
        #expect(result.status == 1)
        #expect(result.stderr.contains("'pooler_output' is not logits-shaped"), "\(result.stderr)")
    }

    @Test func refusesToMixSweeps() throws {
        let sweepCase = try SweepCase.named("gpt2-dynamo-residual")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a").path
        let b = dir.appendingPathComponent("b").path
        #expect(try onnxpatch(sweepCase.commandLine(out: a) + ["--shard", "0/2"]).status == 0)
        var other = sweepCase.commandLine(out: b) + ["--shard", "1/2"]
        other[(other.firstIndex(of: "--metric") ?? 0) + 1] = "kl"
        #expect(try onnxpatch(other).status == 0)
        let merge = try onnxpatch(["merge", a, b, "--out", dir.appendingPathComponent("m").path])
        #expect(merge.status == 1)
        #expect(
            merge.stderr.contains("holds a different sweep") && merge.stderr.contains("the metric differs"),
            "\(merge.stderr)")
        // A folder that holds a sweep is not overwritten, and resumes only the same sweep.
        let again = try onnxpatch(sweepCase.commandLine(out: a) + ["--shard", "0/2"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already holds a sweep; pass --resume"))
        let resumeOther = try onnxpatch(
            other.map { $0 == b ? a : $0 }.map { $0 == "1/2" ? "0/2" : $0 } + ["--resume"])
        #expect(resumeOther.status == 1)
        #expect(resumeOther.stderr.contains("holds a different sweep"), "\(resumeOther.stderr)")
        // A shard of the same arguments on another model (its recorded hash differs).
        let c = dir.appendingPathComponent("c").path
        #expect(try onnxpatch(sweepCase.commandLine(out: c) + ["--shard", "1/2"]).status == 0)
        let json = URL(fileURLWithPath: c).appendingPathComponent("sweep.json")
        var record = try SweepRecord.read(Data(contentsOf: json))
        record.model.sha256 = String(repeating: "0", count: 64)
        try record.json().write(to: json)
        let otherModel = try onnxpatch(["merge", a, c, "--out", dir.appendingPathComponent("n").path])
        #expect(otherModel.status == 1)
        #expect(otherModel.stderr.contains("the model differs"), "\(otherModel.stderr)")
        // A folder that is no sweep.
        let notSweep = try onnxpatch([
            "merge", a, Repo.fixtures.path, "--out", dir.appendingPathComponent("o").path,
        ])
        #expect(notSweep.status == 1)
        #expect(notSweep.stderr.contains("sweep.json: cannot read file"), "\(notSweep.stderr)")
    }
}
