import ArgumentParser
import Foundation
import ONNXPatch

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the folders of one sweep's shards (or interrupted runs) into one folder.",
        discussion: """
            Every folder must hold the same sweep: same model hash, inputs, targets, positions, axis, \
            metric and metric output. A cell found in several folders must have the same value. \
            Writes sweep.csv, sweep.json and heatmap.svg to --out (merging into one of the inputs is fine).
            """)

    @Argument(help: "Sweep folders (each with sweep.json and sweep.csv).")
    var folders: [String]

    @Option(help: "Folder for the merged sweep.csv, sweep.json and heatmap.svg.")
    var out: String

    @Flag(help: "Print the merged sweep.json's content instead of a summary.")
    var json = false

    func run() throws {
        guard !folders.isEmpty else { throw CLIError(message: "give at least one sweep folder to merge") }
        var merged: SweepRecord?
        var cells: [Int: SweepCell] = [:]
        var origin: [Int: String] = [:]
        for path in folders {
            let folder = SweepFolder(path: path)
            let record = try folder.readRecord()
            if let first = merged {
                if let difference = first.difference(from: record) {
                    throw CLIError(
                        message: "\(path) holds a different sweep from \(folders[0]): \(difference)", code: 1)
                }
            } else {
                merged = record
            }
            for cell in try folder.readCells() {
                guard let i = record.index(of: cell.target, cell.position) else {
                    throw CLIError(
                        message:
                            "\(folder.csv) holds a cell (\(cell.target), \(cell.position)) that is not in its sweep",
                        code: 1)
                }
                if let previous = cells[i], !Self.agree(previous, cell) {
                    throw CLIError(
                        message:
                            "cell (\(cell.target), \(cell.position)) differs between \(origin[i] ?? "?") "
                            + "(\(previous.metric)) and \(path) (\(cell.metric))", code: 1)
                }
                if cells[i] == nil {
                    cells[i] = cell
                    origin[i] = path
                }
            }
        }
        guard var record = merged else { return }
        let total = record.targets.count * record.positions.count
        record.shard = nil
        record.cells = cells.keys.sorted().compactMap { cells[$0].map(SweepRecord.Cell.init) }
        record.missing = total - record.cells.count
        let folder = SweepFolder(path: out)
        try folder.writeRecord(record)
        try folder.finish(record)
        if json {
            print(String(decoding: try record.json(), as: UTF8.self))
            return
        }
        print(
            "merged \(folders.count) folder\(folders.count == 1 ? "" : "s"): \(record.cells.count) of \(total) cells"
                + (record.missing > 0 ? " (\(record.missing) missing)" : ""))
        print("  wrote \(folder.csv), \(folder.json), \(folder.svg)")
    }

    /// Cells of two runs of one sweep: equal, or both NaN where the metric is undefined.
    static func agree(_ a: SweepCell, _ b: SweepCell) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool {
            x == y || (x.isNaN && y.isNaN) || abs(x - y) <= 1e-9 * max(1, abs(x))
        }
        return same(a.metric, b.metric) && same(a.normalized, b.normalized)
    }
}
