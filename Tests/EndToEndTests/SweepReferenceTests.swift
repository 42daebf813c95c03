import Foundation
import ONNXPatch
import Testing

/// One sweep of `Fixtures/sweeps/<case>/case.json`, written by tools/make-sweep-references.py
/// from onnxruntime runs of rewritten graphs, one session per cell. Paths in it are relative to
/// the repository root.
struct SweepCase: CustomStringConvertible, Sendable {
    struct Cell: Decodable, Sendable {
        var target: String
        var position: Int
        var metric: Double
        var normalized: Double
    }

    struct Entry: Decodable, Sendable {
        var fixture: String
        var model: String
        var clean: [String: String]
        var corrupt: [String: String]
        var targets: [String]
        var resolved: [String]
        var positions: String
        var axis: Int
        var metric: String
        var metricOutput: String
        var cleanMetric: Double
        var corruptMetric: Double
        var cells: [Cell]

        enum CodingKeys: String, CodingKey {
            case fixture, model, clean, corrupt, targets, resolved, positions, axis, metric
            case metricOutput = "metric_output"
            case cleanMetric = "clean_metric"
            case corruptMetric = "corrupt_metric"
            case cells
        }
    }

    var name: String
    var entry: Entry
    var description: String { name }

    static let folder = Repo.fixtures.appendingPathComponent("sweeps")

    static func all() -> [SweepCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            guard
                let data = try? Data(
                    contentsOf: folder.appendingPathComponent(name).appendingPathComponent("case.json")),
                let entry = try? JSONDecoder().decode(Entry.self, from: data)
            else { return nil }
            return SweepCase(name: name, entry: entry)
        }
    }

    static func named(_ name: String) throws -> SweepCase {
        try #require(all().first { $0.name == name }, "no sweep case \(name)")
    }

    func path(_ relative: String) -> String { Repo.root.appendingPathComponent(relative).path }
    var modelPath: String { path(entry.model) }

    func feeds(_ files: [String: String]) throws -> [String: Tensor] {
        try files.mapValues { try NPY.read(path: path($0)) }
    }

    func request(restrictRegions: Bool = true) throws -> SweepRequest {
        SweepRequest(
            clean: try feeds(entry.clean), corrupt: try feeds(entry.corrupt), targets: entry.targets,
            positions: try SweepPositions.parse(entry.positions), axis: entry.axis,
            metric: try SweepMetric.parse(entry.metric),
            metricOutput: entry.metricOutput, restrictRegions: restrictRegions)
    }

    /// `--clean`/`--corrupt` arguments with absolute paths.
    func arguments(_ flag: String, _ files: [String: String]) -> [String] {
        files.sorted { $0.key < $1.key }.flatMap { [flag, "\($0.key)=\(path($0.value))"] }
    }

    /// The whole `onnxpatch sweep` command line of this case, writing to `out`.
    func commandLine(out: String) -> [String] {
        ["sweep", modelPath] + arguments("--clean", entry.clean) + arguments("--corrupt", entry.corrupt)
            + entry.targets.flatMap { ["--target", $0] }
            + [
                "--positions", entry.positions, "--axis", String(entry.axis), "--metric", entry.metric,
                "--out", out,
            ]
    }

    /// How far normalized values may be apart when metrics are 1e-4 apart.
    var normalizedTolerance: Double { 3e-4 / abs(entry.cleanMetric - entry.corruptMetric) + 1e-6 }
}

/// Sweeps through the library against onnxruntime references, and against patched runs.
@Suite struct SweepReferenceTests {
    @Test func everyCaseIsThere() {
        #expect(SweepCase.all().count >= 6)
        #expect(SweepCase.all().reduce(0) { $0 + $1.entry.cells.count } >= 100)
    }

    @Test(arguments: SweepCase.all())
    func cellsMatchOnnxruntime(_ sweepCase: SweepCase) throws {
        let model = try PatchableGraph(path: sweepCase.modelPath)
        let sweep = try model.sweep(try sweepCase.request())
        let entry = sweepCase.entry
        #expect(sweep.targets == entry.resolved, "the targets match the same nodes")
        #expect(abs(sweep.cleanMetric - entry.cleanMetric) <= 1e-4)
        #expect(abs(sweep.corruptMetric - entry.corruptMetric) <= 1e-4)
        let cells = try sweep.run()
        #expect(cells.count == entry.cells.count)
        #expect(cells.map(\.target) == entry.cells.map(\.target))
        #expect(cells.map(\.position) == entry.cells.map(\.position))
        for (got, want) in zip(cells, entry.cells) {
            #expect(
                abs(got.metric - want.metric) <= 1e-4,
                "\(sweepCase) \(got.target)@\(got.position): \(got.metric) vs \(want.metric)")
            #expect(
                abs(got.normalized - want.normalized) <= sweepCase.normalizedTolerance,
                "\(sweepCase) \(got.target)@\(got.position) normalized: \(got.normalized) vs \(want.normalized)"
            )
        }
    }

    /// Computing only the metric's region gives what whole tensors give.
    @Test(arguments: SweepCase.all())
    func regionsEqualWholeTensors(_ sweepCase: SweepCase) throws {
        let model = try PatchableGraph(path: sweepCase.modelPath)
        let restricted = try model.sweep(try sweepCase.request()).run()
        let whole = try model.sweep(try sweepCase.request(restrictRegions: false)).run()
        for (a, b) in zip(restricted, whole) {
            #expect(abs(a.metric - b.metric) <= 1e-5, "\(sweepCase) \(a.target)@\(a.position)")
        }
    }

    /// Each cell equals a full patched run of the corrupted inputs with the clean value put in
    /// by a closure patch at the cell's position.
    @Test(arguments: ["gpt2-dynamo-residual", "gpt2-dynamo-attention-axis2", "llama-dynamo-residual"])
    func cellsEqualPatchedRuns(_ name: String) throws {
        let sweepCase = try SweepCase.named(name)
        let model = try PatchableGraph(path: sweepCase.modelPath)
        let request = try sweepCase.request()
        let sweep = try model.sweep(request)
        let cells = try sweep.run()
        let clean = try model.run(request.clean, fetching: sweep.targets)
        let metric = request.metric
        let cleanLogits = try #require(clean.first { $0.name == sweep.metricOutput }?.tensor)
        let cleanRow = try lastRow(cleanLogits)
        for cell in cells {
            // `fetching` values follow the graph outputs, in the order asked.
            let t = try #require(sweep.targets.firstIndex(of: cell.target))
            let value = clean[model.graph.outputs.count + t].tensor
            let prefix = String(repeating: ":, ", count: request.axis)
            let part = try NPYRegion.take(value, axis: request.axis, index: cell.position)
            let index = prefix + "\(cell.position):\(cell.position + 1)"
            let patch = try Patch(target: cell.target, index: index, label: "clean") { _ in part }
            let result = try model.run(request.corrupt, patches: [patch])
            let logits = try #require(result[output: sweep.metricOutput])
            let expected = metric.evaluate(try lastRow(logits), clean: cleanRow)
            #expect(
                abs(cell.metric - expected) <= 1e-4,
                "\(name) \(cell.target)@\(cell.position): \(cell.metric) vs \(expected)")
        }
    }

    @Test func metricsByHand() throws {
        let row: [Double] = [1, 2, 0.5]
        let z = exp(1.0) + exp(2.0) + exp(0.5)
        #expect(try SweepMetric.parse("logit-diff:1,2").evaluate(row, clean: row) == 1.5)
        #expect(abs(try SweepMetric.parse("logprob:0").evaluate(row, clean: row) - (1 - log(z))) < 1e-12)
        #expect(abs(try SweepMetric.parse("prob:1").evaluate(row, clean: row) - exp(2) / z) < 1e-12)
        #expect(try SweepMetric.parse("kl").evaluate(row, clean: row) == 0)
        // KL(p ‖ q) with p = softmax(patched), q = softmax(clean): for p = (½, ½), q = (e/(1+e), 1/(1+e)).
        let kl = try SweepMetric.parse("kl").evaluate([0, 0], clean: [1, 0])
        let q0 = exp(1.0) / (1 + exp(1.0))
        let q1 = 1 / (1 + exp(1.0))
        #expect(abs(kl - (0.5 * log(0.5 / q0) + 0.5 * log(0.5 / q1))) < 1e-12)
        for bad in ["logit-diff:1", "logprob", "prob:-1", "kl:3", "entropy", "logit-diff:a,b"] {
            #expect(throws: ONNXPatchError.self, "\(bad)") { try SweepMetric.parse(bad) }
        }
    }
}

func lastRow(_ logits: Tensor) throws -> [Double] {
    let values = try logits.doubleValues()
    let vocabulary = logits.shape[2]
    let last = logits.shape[1] - 1
    return Array(values[(last * vocabulary)..<((last + 1) * vocabulary)])
}

/// The slice `index` of `axis` of a float tensor, keeping the axis (size 1).
enum NPYRegion {
    static func take(_ tensor: Tensor, axis: Int, index: Int) throws -> Tensor {
        let shape = tensor.shape
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let values = tensor.scalars(as: Float.self)
        var out: [Float] = []
        for o in 0..<outer {
            let start = (o * shape[axis] + index) * inner
            out += values[start..<(start + inner)]
        }
        var outShape = shape
        outShape[axis] = 1
        return Tensor(shape: outShape, scalars: out)
    }
}
