import Foundation
import Interpreter
import Patching
import TensorCore
import Tokenizers

/// Which positions along the sweep axis become cells: every index, or a list (negative
/// indices count from the end).
public enum SweepPositions: Sendable, Equatable, CustomStringConvertible {
    case all
    case list([Int])

    /// Parses `all` or `i,j,…`.
    public static func parse(_ text: String) throws(ONNXPatchError) -> SweepPositions {
        if text == "all" { return .all }
        var list: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let i = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw .input(
                    "--positions '\(text)': expected all or comma-separated integers, '\(part)' is not an integer"
                )
            }
            list.append(i)
        }
        return .list(list)
    }

    public var description: String {
        switch self {
        case .all: "all"
        case .list(let list): list.map(String.init).joined(separator: ",")
        }
    }
}

/// One clean→corrupt activation-patching experiment: which values to patch at which positions,
/// and what to measure.
public struct SweepRequest: Sendable {
    /// Graph inputs of the clean run, by name.
    public var clean: [String: Tensor]
    /// Graph inputs of the corrupted run: the same names, shapes and dtypes.
    public var corrupt: [String: Tensor]
    /// Names or globs (see ``PatchableGraph``); every match is a row of cells.
    public var targets: [String]
    public var positions: SweepPositions
    /// The axis of each target that positions index (negative counts from the end).
    public var axis: Int
    public var metric: SweepMetric
    /// The graph output the metric reads (default: the first).
    public var metricOutput: String?
    /// When false, every recomputed step computes its whole outputs instead of the region the
    /// metric reads (same results, slower; for checking).
    public var restrictRegions: Bool

    public init(
        clean: [String: Tensor], corrupt: [String: Tensor], targets: [String],
        positions: SweepPositions = .all,
        axis: Int = 1, metric: SweepMetric, metricOutput: String? = nil, restrictRegions: Bool = true
    ) {
        self.clean = clean
        self.corrupt = corrupt
        self.targets = targets
        self.positions = positions
        self.axis = axis
        self.metric = metric
        self.metricOutput = metricOutput
        self.restrictRegions = restrictRegions
    }
}

/// One cell: the corrupted run with the clean value of `target` at `position`.
public struct SweepCell: Sendable, Equatable {
    public var target: String
    public var position: Int
    public var metric: Double
    /// (metric − corrupt) / (clean − corrupt): 0 for no effect, 1 for the clean behaviour back;
    /// NaN when the clean and corrupt metrics are equal.
    public var normalized: Double

    public init(target: String, position: Int, metric: Double, normalized: Double) {
        self.target = target
        self.position = position
        self.metric = metric
        self.normalized = normalized
    }
}

/// A prepared sweep: the clean and corrupted runs are done, and each cell re-runs only what
/// depends on its patched value, from the corrupted run's saved values.
///
/// ```swift
/// let sweep = try model.sweep(SweepRequest(
///     clean: ["input_ids": clean], corrupt: ["input_ids": corrupt],
///     targets: ["node_add_*"], metric: try SweepMetric.parse("logit-diff:42,17")))
/// let cells = try sweep.run()
/// ```
///
/// Cells are numbered target-major: cell `i` is target `i / positions.count` at position
/// `positions[i % positions.count]`.
public final class Sweep {
    public let request: SweepRequest
    /// The rows: each target's match (a node name for globs, else the target as given).
    public let targets: [String]
    /// The columns, as non-negative indices along the axis.
    public let positions: [Int]
    public let metricOutput: String
    public let cleanMetric: Double
    public let corruptMetric: Double

    let plan: Plan
    let values: [ValueID]
    let axes: [Int]
    let cleanValues: [Tensor]
    let corrupt: PlanEnvironment
    let cleanRow: [Double]
    let outputValue: ValueID
    /// The metric's region of the output: batch 0, last position, the logits it reads.
    let outputBox: Box
    var incremental: [Int: IncrementalRun] = [:]
    /// When set, cells add the time of their steps to it, per op type.
    public var profile: Profile?

    public var cellCount: Int { targets.count * positions.count }

    /// The target and position of cell `index`.
    public func cell(at index: Int) -> (target: String, position: Int) {
        (targets[index / positions.count], positions[index % positions.count])
    }

    init(model: PatchableGraph, request: SweepRequest) throws(ONNXPatchError) {
        self.request = request
        let graph = model.graph

        // Everything that can be checked without running.
        try Self.checkInputs(request)
        let outputName = request.metricOutput ?? graph.outputs.first.map { graph.values[$0.index].name } ?? ""
        guard let output = graph.outputs.first(where: { graph.values[$0.index].name == outputName }) else {
            let names = graph.outputs.map { "'" + graph.values[$0.index].name + "'" }.joined(separator: ", ")
            throw .input("--metric-output '\(outputName)': the model has no such output (outputs: \(names))")
        }
        metricOutput = outputName
        outputValue = output
        if let declared = graph.values[output.index].shape {
            guard declared.count == 3 else {
                throw .input(
                    "--metric-output '\(outputName)' is not logits-shaped: declared rank \(declared.count), expected [batch, position, vocabulary]"
                )
            }
            if case .known(let vocabulary) = declared[2] {
                try Self.checkTokens(request.metric, vocabulary: vocabulary)
            }
        }
        guard !request.targets.isEmpty else { throw .input("--target: give at least one target") }
        let resolver = TargetResolver(graph: graph)
        var names: [String] = []
        var values: [ValueID] = []
        for target in request.targets {
            let matched: [ValueID]
            do {
                matched = try resolver.resolve(target, spec: "--target \(target)")
            } catch {
                throw .patch(error)
            }
            let isGlob = Glob(target).hasWildcards
            for value in matched where !values.contains(value) {
                values.append(value)
                names.append(
                    isGlob ? Self.nodeName(of: value, in: graph) ?? graph.values[value.index].name : target)
            }
        }
        self.values = values
        self.targets = names
        if case .list(let list) = request.positions, list.isEmpty {
            throw .input("--positions: give at least one position")
        }
        for (name, value) in zip(names, values) {
            if let declared = graph.values[value.index].shape,
                Shape.normalizeAxis(request.axis, rank: declared.count) == nil
            {
                throw .input(
                    "target '\(name)' has rank \(declared.count), so no axis \(request.axis) to index positions on"
                )
            }
        }

        // The runs: clean fetching the targets, corrupted keeping every value.
        plan = try model.plan(fetching: values, incremental: true)
        let cleanResult: [ValueID: Tensor]
        do {
            cleanResult = try plan.run(plan.checkedFeeds(request.clean))
            corrupt = try plan.runKeepingAll(plan.checkedFeeds(request.corrupt))
        } catch {
            throw .run(error)
        }
        guard let cleanOutput = cleanResult[output], let corruptOutput = corrupt[output] else {
            throw .input("--metric-output '\(outputName)' was not computed")
        }
        guard cleanOutput.rank == 3, cleanOutput.shape[0] > 0, cleanOutput.shape[1] > 0,
            cleanOutput.shape[2] > 0,
            cleanOutput.dtype.isFloatingPoint
        else {
            throw .input(
                "--metric-output '\(outputName)' is not logits-shaped: it is \(cleanOutput.dtype)\(cleanOutput.shape), expected floats [batch, position, vocabulary]"
            )
        }
        try Self.checkTokens(request.metric, vocabulary: cleanOutput.shape[2])
        let shape = cleanOutput.shape
        let columns = request.metric.columns(vocabulary: shape[2])
        outputBox = Box([0..<1, (shape[1] - 1)..<shape[1], columns])

        // Positions against each target's actual shape.
        var axes: [Int] = []
        var cleanValues: [Tensor] = []
        var lengths: [Int] = []
        for (name, value) in zip(names, values) {
            guard let tensor = cleanResult[value] ?? corrupt[value] else {
                throw .input("target '\(name)' was not computed")
            }
            guard let axis = Shape.normalizeAxis(request.axis, rank: tensor.rank) else {
                throw .input(
                    "target '\(name)' is \(tensor.dtype)\(tensor.shape), with no axis \(request.axis) to index positions on"
                )
            }
            axes.append(axis)
            cleanValues.append(tensor)
            lengths.append(tensor.shape[axis])
        }
        switch request.positions {
        case .all:
            guard let first = lengths.first, lengths.allSatisfy({ $0 == first }) else {
                let detail = zip(names, lengths).map { "'\($0)' has \($1)" }.joined(separator: ", ")
                throw .input(
                    "--positions all: the targets differ in length along axis \(request.axis) (\(detail)); give --positions"
                )
            }
            positions = Array(0..<first)
        case .list(let list):
            let shortest = lengths.min() ?? 0
            let name = names[lengths.firstIndex(of: shortest) ?? 0]
            if list.contains(where: { $0 < 0 }) && !lengths.allSatisfy({ $0 == shortest }) {
                throw .input(
                    "--positions \(request.positions): negative positions need targets of one length along axis \(request.axis)"
                )
            }
            var seen: [Int] = []
            for p in list {
                let q = p < 0 ? p + shortest : p
                guard q >= 0 && q < shortest else {
                    throw .input(
                        "position \(p) is out of range for target '\(name)' of length \(shortest) along axis \(request.axis)"
                    )
                }
                if !seen.contains(q) { seen.append(q) }
            }
            positions = seen
        }
        self.axes = axes
        self.cleanValues = cleanValues
        do {
            let row = Box([0..<1, (shape[1] - 1)..<shape[1], 0..<shape[2]])
            cleanRow = try cleanOutput.region(row).doubleValues()
            let corruptRow = try corruptOutput.region(row).doubleValues()
            cleanMetric = request.metric.evaluate(cleanRow, clean: cleanRow)
            corruptMetric = request.metric.evaluate(corruptRow, clean: cleanRow)
        } catch {
            throw .tensor(error)
        }
    }

    static func checkInputs(_ request: SweepRequest) throws(ONNXPatchError) {
        for name in Set(request.clean.keys).union(request.corrupt.keys).sorted() {
            guard let a = request.clean[name] else {
                throw .input("input '\(name)' is given in --corrupt but not in --clean")
            }
            guard let b = request.corrupt[name] else {
                throw .input("input '\(name)' is given in --clean but not in --corrupt")
            }
            guard a.shape == b.shape, a.dtype == b.dtype else {
                throw .input(
                    "clean and corrupt inputs differ in shape: '\(name)' is \(a.dtype)\(a.shape) in --clean but \(b.dtype)\(b.shape) in --corrupt"
                )
            }
        }
    }

    static func checkTokens(_ metric: SweepMetric, vocabulary: Int) throws(ONNXPatchError) {
        for id in metric.tokens where id >= vocabulary {
            throw .input(
                "--metric '\(metric)': token id \(id) is out of range for a vocabulary of \(vocabulary)")
        }
    }

    static func nodeName(of value: ValueID, in graph: Graph) -> String? {
        graph.nodes.first { $0.outputs.first == value }?.name
    }

    /// Runs cell `index` (see ``cell(at:)``).
    public func run(cellAt index: Int) throws(ONNXPatchError) -> SweepCell {
        precondition(index >= 0 && index < cellCount, "cell \(index) of \(cellCount)")
        let t = index / positions.count
        let position = positions[index % positions.count]
        let value = values[t]
        guard let base = corrupt[value] else { throw .input("target '\(targets[t])' was not computed") }
        var box = Box.whole(base.shape)
        box.ranges[axes[t]] = position..<(position + 1)
        let metric: Double
        do {
            let patched = try base.replacing(box, from: cleanValues[t])
            if patched.isBitwiseEqual(to: base) {
                // Clean and corrupt agree here: the patched run is the corrupted run.
                metric = corruptMetric
            } else {
                let run = try incrementalRun(t)
                let fetched = try run.run(
                    base: corrupt, overrides: [value: patched], changed: [value: box], profile: profile)
                guard let row = fetched[outputValue] else {
                    throw ONNXPatchError.input("the metric output was not computed")
                }
                metric = request.metric.evaluate(
                    try row.doubleValues(), from: outputBox.ranges[2].lowerBound, clean: cleanRow)
            }
        } catch let error as ONNXPatchError {
            throw error
        } catch let error as InterpreterError {
            throw .run(error)
        } catch let error as TensorError {
            throw .tensor(error)
        } catch {
            throw .input("\(error)")
        }
        let span = cleanMetric - corruptMetric
        // No effect is 0, not −0 (when clean < corrupt).
        let normalized = metric == corruptMetric ? 0 : (metric - corruptMetric) / span
        return SweepCell(
            target: targets[t], position: position, metric: metric, normalized: span == 0 ? .nan : normalized)
    }

    func incrementalRun(_ t: Int) throws(InterpreterError) -> IncrementalRun {
        if let run = incremental[t] { return run }
        let run = try plan.incremental(
            overriding: [values[t]], fetching: [(outputValue, outputBox)], base: corrupt,
            regions: request.restrictRegions)
        incremental[t] = run
        return run
    }

    /// Runs the cells `indices` (default: every cell) in order, calling `progress` after each.
    public func run(
        cells indices: [Int]? = nil, progress: ((SweepCell) throws -> Void)? = nil
    ) throws -> [SweepCell] {
        var cells: [SweepCell] = []
        for index in indices ?? Array(0..<cellCount) {
            let cell = try run(cellAt: index)
            cells.append(cell)
            try progress?(cell)
        }
        return cells
    }
}

extension Sweep {
    /// The clean and corrupt tokens at the sweep's positions: `input_ids` (or the only integer
    /// input) of batch 0 decoded one id at a time with the tokenizer.json at `path`; nil when
    /// the ids are not a [batch, position] tensor as long as the positions reach.
    public func tokens(tokenizer path: String) throws(ONNXPatchError) -> SweepRecord.Tokens? {
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(path: path)
        } catch {
            throw .input("--tokenizer \(path): \(error)")
        }
        func ids(_ feeds: [String: Tensor]) -> [Int]? {
            let integers = feeds.filter { $0.value.dtype == .int64 || $0.value.dtype == .int32 }
            guard let tensor = feeds["input_ids"] ?? (integers.count == 1 ? integers.first?.value : nil),
                tensor.rank == 2, let values = try? tensor.intValues()
            else { return nil }
            return Array(values.prefix(tensor.shape[1]))
        }
        guard let clean = ids(request.clean), let corrupt = ids(request.corrupt),
            positions.allSatisfy({ $0 < clean.count })
        else { return nil }
        return SweepRecord.Tokens(
            clean: positions.map { tokenizer.decode([clean[$0]]) },
            corrupt: positions.map { tokenizer.decode([corrupt[$0]]) })
    }
}

extension PatchableGraph {
    /// Prepares a sweep: checks the request, then runs the clean and the corrupted inputs once.
    ///
    /// - Throws: ``ONNXPatchError`` before any cell runs when clean and corrupt inputs differ in
    ///   shape, a target has no position axis or is shorter than the positions, a token id is
    ///   out of the vocabulary, or the metric output is not `[batch, position, vocabulary]`.
    public func sweep(_ request: SweepRequest) throws(ONNXPatchError) -> Sweep {
        try Sweep(model: self, request: request)
    }
}

/// `--shard i/n`: cell `c` belongs to shard `c % n` (shards count from 0).
public struct SweepShard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(ONNXPatchError) {
        guard count >= 1, index >= 0, index < count else {
            throw .input(
                "--shard \(index)/\(count): expected i/n with n ≥ 1 and 0 ≤ i < n (shards count from 0)")
        }
        self.index = index
        self.count = count
    }

    public static func parse(_ text: String) throws(ONNXPatchError) -> SweepShard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw .input("--shard '\(text)': expected i/n, e.g. 0/4")
        }
        return try SweepShard(index: i, count: n)
    }

    public func contains(cell index: Int) -> Bool { index % count == self.index }

    public var description: String { "\(index)/\(count)" }
}
