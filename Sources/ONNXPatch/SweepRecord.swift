import Foundation

/// What a sweep folder's `sweep.json` holds: the model's hash, the arguments, the clean and
/// corrupt metrics and the cells. Two records describe the same sweep (and may be resumed or
/// merged together) when the model hash, the input contents and the sweep arguments agree;
/// input file paths and the shard may differ.
public struct SweepRecord: Codable, Sendable {
    public struct Model: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String

        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public struct Arguments: Codable, Sendable, Equatable {
        /// Input name → file, as given.
        public var clean: [String: String]
        public var corrupt: [String: String]
        public var targets: [String]
        public var positions: String
        public var axis: Int
        public var metric: String
        public var metricOutput: String?

        enum CodingKeys: String, CodingKey {
            case clean, corrupt, targets, positions, axis, metric
            case metricOutput = "metric_output"
        }

        public init(
            clean: [String: String], corrupt: [String: String], targets: [String], positions: String,
            axis: Int,
            metric: String, metricOutput: String?
        ) {
            self.clean = clean
            self.corrupt = corrupt
            self.targets = targets
            self.positions = positions
            self.axis = axis
            self.metric = metric
            self.metricOutput = metricOutput
        }
    }

    public struct Shard: Codable, Sendable, Equatable {
        public var index: Int
        public var count: Int

        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    public struct Cell: Codable, Sendable, Equatable {
        public var target: String
        public var position: Int
        public var metric: Double
        public var normalized: Double

        public init(_ cell: SweepCell) {
            target = cell.target
            position = cell.position
            metric = cell.metric
            normalized = cell.normalized
        }
    }

    /// Tokens at the positions, when a tokenizer was given.
    public struct Tokens: Codable, Sendable, Equatable {
        public var clean: [String]
        public var corrupt: [String]

        public init(clean: [String], corrupt: [String]) {
            self.clean = clean
            self.corrupt = corrupt
        }
    }

    public var model: Model
    public var arguments: Arguments
    /// SHA-256 of each input tensor's bytes (with dtype and shape), for "clean" and "corrupt".
    public var inputsSHA256: [String: [String: String]]
    public var shard: Shard?
    public var metricOutput: String
    public var cleanMetric: Double
    public var corruptMetric: Double
    /// Rows and columns of the full sweep.
    public var targets: [String]
    public var positions: [Int]
    public var tokens: Tokens?
    /// In cell order (target-major); only the computed ones.
    public var cells: [Cell]
    /// Cells of this shard (or of the whole sweep after a merge) not computed yet.
    public var missing: Int
    public var complete: Bool { missing == 0 }

    enum CodingKeys: String, CodingKey {
        case model, arguments
        case inputsSHA256 = "inputs_sha256"
        case shard
        case metricOutput = "metric_output"
        case cleanMetric = "clean_metric"
        case corruptMetric = "corrupt_metric"
        case targets, positions, tokens, cells, missing
        case complete
    }

    public init(
        model: Model, arguments: Arguments, inputsSHA256: [String: [String: String]], shard: Shard?,
        metricOutput: String,
        cleanMetric: Double, corruptMetric: Double, targets: [String], positions: [Int], tokens: Tokens?,
        cells: [Cell], missing: Int
    ) {
        self.model = model
        self.arguments = arguments
        self.inputsSHA256 = inputsSHA256
        self.shard = shard
        self.metricOutput = metricOutput
        self.cleanMetric = cleanMetric
        self.corruptMetric = corruptMetric
        self.targets = targets
        self.positions = positions
        self.tokens = tokens
        self.cells = cells
        self.missing = missing
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(Model.self, forKey: .model)
        arguments = try c.decode(Arguments.self, forKey: .arguments)
        inputsSHA256 = try c.decode([String: [String: String]].self, forKey: .inputsSHA256)
        shard = try c.decodeIfPresent(Shard.self, forKey: .shard)
        metricOutput = try c.decode(String.self, forKey: .metricOutput)
        cleanMetric = try c.decode(Double.self, forKey: .cleanMetric)
        corruptMetric = try c.decode(Double.self, forKey: .corruptMetric)
        targets = try c.decode([String].self, forKey: .targets)
        positions = try c.decode([Int].self, forKey: .positions)
        tokens = try c.decodeIfPresent(Tokens.self, forKey: .tokens)
        cells = try c.decode([Cell].self, forKey: .cells)
        missing = try c.decode(Int.self, forKey: .missing)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(arguments, forKey: .arguments)
        try c.encode(inputsSHA256, forKey: .inputsSHA256)
        try c.encode(shard, forKey: .shard)
        try c.encode(metricOutput, forKey: .metricOutput)
        try c.encode(cleanMetric, forKey: .cleanMetric)
        try c.encode(corruptMetric, forKey: .corruptMetric)
        try c.encode(targets, forKey: .targets)
        try c.encode(positions, forKey: .positions)
        try c.encodeIfPresent(tokens, forKey: .tokens)
        try c.encode(cells, forKey: .cells)
        try c.encode(missing, forKey: .missing)
        try c.encode(complete, forKey: .complete)
    }

    /// The first way `other` is a different sweep, or nil when it is the same one.
    public func difference(from other: SweepRecord) -> String? {
        if model.sha256 != other.model.sha256 {
            return
                "the model differs (sha256 \(model.sha256.prefix(12))… vs \(other.model.sha256.prefix(12))…)"
        }
        if inputsSHA256 != other.inputsSHA256 { return "the clean or corrupt inputs differ" }
        let (a, b) = (arguments, other.arguments)
        if a.targets != b.targets { return "the targets differ (\(a.targets) vs \(b.targets))" }
        if a.positions != b.positions { return "the positions differ (\(a.positions) vs \(b.positions))" }
        if a.axis != b.axis { return "the axis differs (\(a.axis) vs \(b.axis))" }
        if a.metric != b.metric { return "the metric differs (\(a.metric) vs \(b.metric))" }
        if metricOutput != other.metricOutput {
            return "the metric output differs (\(metricOutput) vs \(other.metricOutput))"
        }
        return nil
    }

    /// Cell index (target-major) of `(target, position)`, or nil when it is not in the sweep.
    public func index(of target: String, _ position: Int) -> Int? {
        guard let t = targets.firstIndex(of: target), let p = positions.firstIndex(of: position) else {
            return nil
        }
        return t * positions.count + p
    }

    /// JSON text: sorted keys, non-finite numbers as the strings "nan", "inf", "-inf".
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// The most cells a record read from a file may describe (its heatmap is a grid of them).
    public static let maxCells = 10_000_000

    public static func read(_ data: Data) throws -> SweepRecord {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let record = try decoder.decode(SweepRecord.self, from: data)
        // What the heatmap and merges index by must agree with itself.
        func invalid(_ reason: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: [], debugDescription: reason))
        }
        guard Set(record.targets).count == record.targets.count else {
            throw invalid("a target is listed twice")
        }
        guard Set(record.positions).count == record.positions.count else {
            throw invalid("a position is listed twice")
        }
        if let tokens = record.tokens {
            guard tokens.clean.count == record.positions.count, tokens.corrupt.count == record.positions.count
            else {
                throw invalid("tokens do not match the positions one for one")
            }
        }
        guard record.missing >= 0 else { throw invalid("missing is negative") }
        let (cells, overflow) = record.targets.count.multipliedReportingOverflow(by: record.positions.count)
        guard !overflow, cells <= maxCells else {
            throw invalid(
                "\(record.targets.count) targets × \(record.positions.count) positions is more than \(maxCells) cells"
            )
        }
        return record
    }

    /// The heatmap of the computed cells; cells not computed are hatched.
    public var heatmap: Heatmap {
        var values = [[Double?]](
            repeating: [Double?](repeating: nil, count: positions.count), count: targets.count)
        var tips = [[String]](
            repeating: [String](repeating: "", count: positions.count), count: targets.count)
        for (t, target) in targets.enumerated() {
            for (p, position) in positions.enumerated() {
                tips[t][p] =
                    "\(target) @ \(position)" + token(p)
                    + ": not computed"
            }
        }
        for cell in cells {
            guard let i = index(of: cell.target, cell.position) else { continue }
            let (t, p) = (i / positions.count, i % positions.count)
            values[t][p] = cell.normalized
            tips[t][p] =
                "\(cell.target) @ \(cell.position)" + token(p)
                + ": \(arguments.metric) = \(Heatmap.number(cell.metric)), normalized = \(Heatmap.number(cell.normalized))"
        }
        let name = URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent
        let folder = URL(fileURLWithPath: model.path).deletingLastPathComponent().lastPathComponent
        let shardText = shard.map { " — shard \($0.index)/\($0.count)" } ?? ""
        let missingText = missing > 0 ? " — \(missing) cell\(missing == 1 ? "" : "s") not computed" : ""
        return Heatmap(
            title: "Activation patching: \(arguments.metric) on \(metricOutput)\(shardText)",
            subtitle:
                "\(folder.isEmpty ? "" : folder + "/")\(name).onnx · clean \(Heatmap.number(cleanMetric)), corrupt \(Heatmap.number(corruptMetric)) · "
                + "colour: (metric − corrupt) / (clean − corrupt)\(missingText)",
            rows: targets, columns: positions,
            columnLabels: tokens?.clean,
            columnSubLabels: tokens.map { t in zip(t.clean, t.corrupt).map { $0 == $1 ? nil : $1 } },
            values: values, tooltips: tips, scaleLabel: "normalized")
    }

    /// ` 'token'` of column `p`, or nothing.
    func token(_ p: Int) -> String {
        guard let tokens, tokens.clean.indices.contains(p) else { return "" }
        return " '" + tokens.clean[p] + "'"
    }
}

/// `sweep.csv`: header `target,position,metric,normalized`, one row per cell, fields quoted as
/// RFC 4180 says when they hold a comma, quote or line break; numbers in Swift's shortest
/// round-trip form (`nan`, `inf` and `-inf` for non-finite values).
public enum SweepCSV {
    public static let header = "target,position,metric,normalized"

    public static func row(_ cell: SweepCell) -> String {
        "\(field(cell.target)),\(cell.position),\(cell.metric),\(cell.normalized)"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The cells of a `sweep.csv`; a last line without its newline (a write cut short) is left
    /// out and reported as `truncated`, the byte count before it as `validBytes`.
    public static func parse(_ text: String, source: String) throws(ONNXPatchError) -> (
        cells: [SweepCell], truncated: Bool, validBytes: Int
    ) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var truncated = false
        if let last = lines.last {
            if last.isEmpty {
                lines.removeLast()
            } else {
                truncated = true
                lines.removeLast()
            }
        }
        // Quoted fields may hold newlines: join lines until the quotes balance.
        var records: [String] = []
        var pending: String?
        for line in lines {
            let joined = pending.map { $0 + "\n" + line } ?? line
            if joined.filter({ $0 == "\"" }).count % 2 == 1 {
                pending = joined
            } else {
                records.append(joined)
                pending = nil
            }
        }
        if pending != nil { truncated = true }
        let validBytes = records.reduce(0) { $0 + $1.utf8.count + 1 }
        guard let first = records.first else {
            return ([], truncated, 0)
        }
        guard first.trimmingCharacters(in: .whitespaces) == header else {
            throw .input("\(source): the first line is '\(first)', expected '\(header)'")
        }
        var cells: [SweepCell] = []
        for (i, record) in records.enumerated().dropFirst() {
            let fields = split(record)
            guard fields.count == 4, let position = Int(fields[1]), let metric = Double(fields[2]),
                let normalized = Double(fields[3])
            else {
                throw .input(
                    "\(source): line \(i + 1) is not a row 'target,position,metric,normalized': \(record)")
            }
            cells.append(
                SweepCell(target: fields[0], position: position, metric: metric, normalized: normalized))
        }
        return (cells, truncated, validBytes)
    }

    static func split(_ record: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = record.makeIterator()
        var previousQuote = false
        while let ch = chars.next() {
            if quoted {
                if ch == "\"" {
                    quoted = false
                    previousQuote = true
                    continue
                }
                current.append(ch)
            } else if ch == "\"" {
                if previousQuote { current.append("\"") }
                quoted = true
            } else if ch == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(ch)
            }
            previousQuote = false
        }
        fields.append(current)
        return fields
    }
}
