import ArgumentParser
import Foundation
import ONNXPatch

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Activation patching sweep: put the clean value of each target at each position into the corrupted run and measure.",
        discussion: """
            Writes DIR/sweep.csv (target,position,metric,normalized), DIR/sweep.json and DIR/heatmap.svg. \
            normalized = (metric − corrupt) / (clean − corrupt). Rows are appended as cells finish, so an \
            interrupted sweep continues with --resume; --shard i/n runs cells c with c % n == i, and \
            'onnxpatch merge' joins the shards' folders.
            """)

    @Argument(help: "The .onnx file.")
    var model: String

    @Option(name: .customLong("clean"), help: "NAME=FILE: an input of the clean run; once per graph input.")
    var clean: [String] = []

    @Option(
        name: .customLong("corrupt"), help: "NAME=FILE: the same input for the corrupted run (same shape).")
    var corrupt: [String] = []

    @Option(
        name: .customLong("clean-prompt"),
        help: "Text of the clean run, encoded with --tokenizer (in place of --clean input_ids=FILE).")
    var cleanPrompt: String?

    @Option(
        name: .customLong("corrupt-prompt"),
        help: "Text of the corrupted run, encoded with --tokenizer (as many tokens as the clean one).")
    var corruptPrompt: String?

    @Option(
        name: .customLong("target"),
        help: "A node, node:k, value name or glob; every match is a row. Repeatable.")
    var targets: [String] = []

    @Option(help: "'all' or comma-separated indices along --axis (negative counts from the end).")
    var positions = "all"

    @Option(help: "The axis of each target that positions index.")
    var axis = 1

    @Option(help: "logit-diff:A,B | logprob:A | prob:A | kl, on batch 0, last position of the metric output.")
    var metric: String

    @Option(
        name: .customLong("metric-output"), help: "The graph output the metric reads (default: the first).")
    var metricOutput: String?

    @Option(help: "Folder for sweep.csv, sweep.json and heatmap.svg (created if missing).")
    var out: String

    @Option(help: "i/n: run only cells c with c % n == i (0 ≤ i < n).")
    var shard: String?

    @Flag(help: "Continue the sweep in --out: skip the cells already in its sweep.csv.")
    var resume = false

    @Flag(help: "Print sweep.json's content instead of a summary.")
    var json = false

    @Option(
        help: "A tokenizer.json: label positions with the clean (and differing corrupt) tokens of input_ids.")
    var tokenizer: String?

    @Option(
        name: .customLong("max-cells"),
        help: "Stop after computing this many cells (continue later with --resume).")
    var maxCells: Int?

    @Option(help: "Threads for matrix products and parallel kernels (default: all cores).")
    var threads: Int?

    @Flag(help: "After the sweep, print where the cells' time went, by op type.")
    var profile = false

    @OptionGroup var limits: LimitOptions

    func run() throws {
        // Arguments first: every usage error before a file is read.
        let metric: SweepMetric
        let positions: SweepPositions
        let shard: SweepShard?
        do {
            metric = try SweepMetric.parse(self.metric)
            positions = try SweepPositions.parse(self.positions)
            shard = try self.shard.map { text throws(ONNXPatchError) in try SweepShard.parse(text) }
        } catch {
            throw CLIError(message: error.description)
        }
        guard !targets.isEmpty else { throw CLIError(message: "give at least one --target") }
        guard !clean.isEmpty || cleanPrompt != nil, !corrupt.isEmpty || corruptPrompt != nil else {
            throw CLIError(
                message:
                    "give the inputs with --clean NAME=FILE and --corrupt NAME=FILE (or --clean-prompt and --corrupt-prompt)"
            )
        }
        if (cleanPrompt != nil || corruptPrompt != nil) && tokenizer == nil {
            throw CLIError(
                message: "--clean-prompt and --corrupt-prompt need --tokenizer FILE (a tokenizer.json)")
        }
        if let maxCells, maxCells < 1 {
            throw CLIError(message: "--max-cells must be at least 1, got \(maxCells)")
        }
        if let threads {
            guard threads >= 1 else {
                throw CLIError(message: "--threads must be at least 1, got \(threads)")
            }
            PatchableGraph.setThreads(threads)
        }
        let folder = SweepFolder(path: out)
        if !resume && folder.holdsSweep {
            throw CLIError(
                message:
                    "--out \(out) already holds a sweep; pass --resume to continue it, or choose another folder"
            )
        }
        var cleanFeeds = try Self.feeds(clean, flag: "--clean")
        var corruptFeeds = try Self.feeds(corrupt, flag: "--corrupt")

        let started = Date()
        // Hashing a large model takes seconds: it runs beside the load, the runs and the first cells.
        let hash = BackgroundHash(path: self.model)
        let model = try PatchableGraph(path: self.model, options: limits.importOptions())
        cleanFeeds = try PromptOptions.merge(
            cleanPrompt, into: cleanFeeds, flag: "--clean", tokenizer: tokenizer, model: model)
        corruptFeeds = try PromptOptions.merge(
            corruptPrompt, into: corruptFeeds, flag: "--corrupt", tokenizer: tokenizer, model: model)
        let sweep = try model.sweep(
            SweepRequest(
                clean: cleanFeeds, corrupt: corruptFeeds, targets: targets, positions: positions, axis: axis,
                metric: metric,
                metricOutput: metricOutput))

        var record = SweepRecord(
            model: .init(path: self.model, sha256: ""),
            arguments: .init(
                clean: Self.files(clean), corrupt: Self.files(corrupt), targets: targets,
                positions: positions.description, axis: axis, metric: metric.description,
                metricOutput: metricOutput),
            inputsSHA256: ["clean": Self.hashes(cleanFeeds), "corrupt": Self.hashes(corruptFeeds)],
            shard: shard.map { .init(index: $0.index, count: $0.count) }, metricOutput: sweep.metricOutput,
            cleanMetric: sweep.cleanMetric, corruptMetric: sweep.corruptMetric, targets: sweep.targets,
            positions: sweep.positions,
            tokens: try tokenizer.flatMap { path throws(ONNXPatchError) in try sweep.tokens(tokenizer: path)
            },
            cells: [], missing: 0)

        // Cells already done (resume), then the journal for new ones.
        var done: [Int: SweepCell] = [:]
        let resuming = resume && folder.holdsSweep
        if resuming {
            record.model.sha256 = try hash.value()
            let previous = try folder.readRecord()
            if let difference = previous.difference(from: record) {
                throw CLIError(message: "--resume: \(out) holds a different sweep: \(difference)", code: 1)
            }
            if previous.shard != record.shard {
                throw CLIError(
                    message:
                        "--resume: \(out) holds shard \(previous.shard.map { "\($0.index)/\($0.count)" } ?? "none"), not \(shard?.description ?? "none")",
                    code: 1)
            }
            for cell in try folder.readCells() {
                guard let i = record.index(of: cell.target, cell.position) else {
                    throw CLIError(
                        message:
                            "--resume: \(folder.csv) holds a cell (\(cell.target), \(cell.position)) that is not in this sweep",
                        code: 1)
                }
                done[i] = cell
            }
        }
        if profile { sweep.profile = Profile() }
        let mine = (0..<sweep.cellCount).filter { shard?.contains(cell: $0) ?? true }
        var todo = mine.filter { done[$0] == nil }
        let skipped = mine.count - todo.count
        if let maxCells, todo.count > maxCells { todo = Array(todo.prefix(maxCells)) }
        record.missing = mine.count - skipped
        // A new sweep starts its cells while the model is still being hashed; its record and
        // journal are written once the hash is known, with the rows finished by then.
        var journal: Journal?
        var pending: [String] = []
        func startJournal() throws {
            record.model.sha256 = try hash.value()
            try folder.writeRecord(record)
            let opened = try folder.openJournal()
            for row in pending { try opened.append(row) }
            pending = []
            journal = opened
        }
        defer { journal?.close() }
        if resuming || hash.isReady { try startJournal() }

        let progress = Progress(total: todo.count, enabled: !json && isatty(STDERR_FILENO) == 1)
        let cellsStarted = Date()
        for index in todo {
            let cell = try sweep.run(cellAt: index)
            if let journal {
                try journal.append(SweepCSV.row(cell))
            } else {
                pending.append(SweepCSV.row(cell))
                if hash.isReady { try startJournal() }
            }
            done[index] = cell
            progress.step()
        }
        progress.finish()
        if journal == nil { try startJournal() }
        let cellSeconds = Date().timeIntervalSince(cellsStarted)

        record.cells = mine.compactMap { i in done[i].map(SweepRecord.Cell.init) }
        record.missing = mine.count - record.cells.count
        try folder.finish(record)

        if json {
            print(String(decoding: try record.json(), as: UTF8.self))
            return
        }
        let rate = cellSeconds > 0 ? Double(todo.count) / cellSeconds : 0
        print(
            "swept \(todo.count) cell\(todo.count == 1 ? "" : "s")\(skipped > 0 ? " (\(skipped) already in \(out))" : "") "
                + "in \(String(format: "%.2f", Date().timeIntervalSince(started))) s, \(String(format: "%.1f", rate)) cells/s; "
                + "\(sweep.targets.count) target\(sweep.targets.count == 1 ? "" : "s") × \(sweep.positions.count) position\(sweep.positions.count == 1 ? "" : "s")"
                + (shard.map { ", shard \($0)" } ?? ""))
        print("  \(metric) clean \(sweep.cleanMetric), corrupt \(sweep.corruptMetric)")
        if record.missing > 0 {
            print(
                "  \(record.missing) cell\(record.missing == 1 ? "" : "s") left: run again with --resume to finish"
            )
        }
        print("  wrote \(folder.csv), \(folder.json), \(folder.svg)")
        if let profile = sweep.profile, profile.total > 0 {
            print(String(format: "  cell time by op type (%.2f s in steps):", profile.total))
            for (op, seconds) in profile.seconds.sorted(by: { $0.value > $1.value }).prefix(12) {
                print(
                    "    " + op.padding(toLength: 24, withPad: " ", startingAt: 0)
                        + String(
                            format: " %8.3f s  %5.1f%%  (%d calls)", seconds, seconds / profile.total * 100,
                            profile.calls[op] ?? 0))
            }
        }
    }

    static func feeds(_ arguments: [String], flag: String) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for argument in arguments {
            let (name, tensor): (String, Tensor)
            do {
                (name, tensor) = try InputFile.parse(argument)
            } catch {
                throw CLIError(
                    message: error.description.replacingOccurrences(of: "--input", with: flag), code: 1)
            }
            guard feeds[name] == nil else { throw CLIError(message: "\(flag) '\(name)' is given twice") }
            feeds[name] = tensor
        }
        return feeds
    }

    static func files(_ arguments: [String]) -> [String: String] {
        var files: [String: String] = [:]
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "=") else { continue }
            files[String(argument[..<eq])] = String(argument[argument.index(after: eq)...])
        }
        return files
    }

    /// A hash of each tensor's dtype, shape and bytes: the sweep's identity, whatever the path.
    static func hashes(_ feeds: [String: Tensor]) -> [String: String] {
        feeds.mapValues { tensor in
            var hasher = SHA256()
            let header = "\(tensor.dtype.name)\(tensor.shape)"
            header.utf8CString.withUnsafeBytes { hasher.update($0) }
            tensor.withUnsafeRawBytes { hasher.update($0) }
            return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }
}

/// Cells done, rate and time left on one stderr line, redrawn at most five times a second.
final class Progress {
    let total: Int
    let enabled: Bool
    let started = Date()
    var done = 0
    var drawn = Date.distantPast

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func step() {
        done += 1
        guard enabled, Date().timeIntervalSince(drawn) > 0.2 || done == total else { return }
        drawn = Date()
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Int((Double(total - done) / rate).rounded()) : 0
        let eta = String(format: "%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60)
        FileHandle.standardError.write(
            Data("\r\u{1b}[Kcells \(done)/\(total)  \(String(format: "%.1f", rate)) cells/s  ETA \(eta)".utf8)
        )
    }

    func finish() {
        if enabled && done > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// A sweep's folder: `sweep.json` (written when a sweep starts and when it ends), `sweep.csv`
/// (the journal: one row appended per finished cell, rewritten in cell order at the end) and
/// `heatmap.svg`.
struct SweepFolder {
    let path: String
    var csv: String { path + "/sweep.csv" }
    var json: String { path + "/sweep.json" }
    var svg: String { path + "/heatmap.svg" }

    var holdsSweep: Bool {
        FileManager.default.fileExists(atPath: json) || FileManager.default.fileExists(atPath: csv)
    }

    func readRecord() throws -> SweepRecord {
        guard let data = FileManager.default.contents(atPath: json) else {
            throw CLIError(
                message: "\(json): cannot read file (a sweep folder holds sweep.json and sweep.csv)", code: 1)
        }
        do {
            return try SweepRecord.read(data)
        } catch {
            throw CLIError(message: "\(json): not a sweep record (\(Self.reason(error)))", code: 1)
        }
    }

    /// The journal's cells; a row cut short by a kill is dropped from the file.
    func readCells() throws -> [SweepCell] {
        guard FileManager.default.fileExists(atPath: csv) else { return [] }
        guard let data = FileManager.default.contents(atPath: csv) else {
            throw CLIError(message: "\(csv): cannot read file", code: 1)
        }
        let parsed = try SweepCSV.parse(String(decoding: data, as: UTF8.self), source: csv)
        if parsed.truncated {
            guard let handle = FileHandle(forWritingAtPath: csv) else {
                throw CLIError(message: "\(csv): cannot write", code: 1)
            }
            defer { try? handle.close() }
            do { try handle.truncate(atOffset: UInt64(parsed.validBytes)) } catch {
                throw CLIError(
                    message: "\(csv): cannot drop its unfinished last row (\(error.localizedDescription))",
                    code: 1)
            }
        }
        return parsed.cells
    }

    func writeRecord(_ record: SweepRecord) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CLIError(
                message: "--out \(path): cannot create folder (\(error.localizedDescription))", code: 1)
        }
        try write(try record.json(), to: json)
    }

    /// Appends rows to sweep.csv, writing the header first when the file is new.
    func openJournal() throws -> Journal {
        let fm = FileManager.default
        if !fm.fileExists(atPath: csv) || (fm.contents(atPath: csv)?.isEmpty ?? true) {
            try write(Data((SweepCSV.header + "\n").utf8), to: csv)
        }
        guard let handle = FileHandle(forWritingAtPath: csv) else {
            throw CLIError(message: "\(csv): cannot write", code: 1)
        }
        do { try handle.seekToEnd() } catch { throw CLIError(message: "\(csv): cannot write", code: 1) }
        return Journal(handle: handle, path: csv)
    }

    /// The final files: sweep.csv in cell order, sweep.json with the cells, heatmap.svg.
    func finish(_ record: SweepRecord) throws {
        let rows = record.cells.map {
            SweepCSV.row(
                SweepCell(
                    target: $0.target, position: $0.position, metric: $0.metric, normalized: $0.normalized))
        }
        try write(Data(([SweepCSV.header] + rows).map { $0 + "\n" }.joined().utf8), to: csv)
        try write(try record.json(), to: json)
        try write(Data(record.heatmap.svg.utf8), to: svg)
    }

    func write(_ data: Data, to file: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw CLIError(message: "\(file): cannot write (\(error.localizedDescription))", code: 1)
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case .keyNotFound(let key, _): return "no '\(key.stringValue)'"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "'\(path)': \(context.debugDescription)"
            @unknown default: return "\(error)"
            }
        }
        return error.localizedDescription
    }
}

/// sweep.csv open for appending: each row goes out in one write, so a killed sweep leaves
/// whole rows (and at most one partial last row, dropped on --resume).
final class Journal {
    let handle: FileHandle
    let path: String

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    func append(_ row: String) throws {
        do {
            try handle.write(contentsOf: Data((row + "\n").utf8))
        } catch {
            throw CLIError(message: "\(path): cannot write (\(error.localizedDescription))", code: 1)
        }
    }

    func close() { try? handle.close() }
}
