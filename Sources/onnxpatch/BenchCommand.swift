import ArgumentParser
import Foundation
import ONNXPatch

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time model load and forward passes; show where the time goes by op type.")

    @Argument(help: "The .onnx file.")
    var model: String

    @OptionGroup var input: InputOptions
    @OptionGroup var patch: PatchOptions

    @Option(name: .customLong("probe"), help: "Probe TARGET during the timed runs; repeatable.")
    var probes: [String] = []

    @Option(help: "Timed forward passes.")
    var runs: Int = 10

    @Option(help: "Untimed forward passes first.")
    var warmup: Int = 2

    @Flag(help: "Print JSON: {\"load_s\", \"forward_s\": {\"min\", \"median\", \"max\"}, \"runs\", \"matmul_share\", \"ops\", \"blas_core\"}.")
    var json = false

    func run() throws {
        guard runs >= 1, warmup >= 0 else { throw CLIError(message: "--runs must be ≥ 1 and --warmup ≥ 0") }
        let feeds = try input.feeds()
        let patches = try patch.patches()
        let loadStart = Date()
        let model = try PatchableGraph(path: self.model)
        try model.prepare()
        let load = Date().timeIntervalSince(loadStart)
        for _ in 0..<warmup { _ = try model.run(feeds, patches: patches, probes: probes) }
        var times: [Double] = []
        let profile = Profile()
        for _ in 0..<runs {
            let start = Date()
            _ = try model.run(feeds, patches: patches, probes: probes, profile: profile)
            times.append(Date().timeIntervalSince(start))
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        // Matrix products: MatMul, Gemm, Einsum and the plan's fused MatMulTransposedB.
        let matmul = profile.seconds.filter { entry in ["MatMul", "Gemm", "Einsum"].contains { entry.key.hasPrefix($0) } }
            .values.reduce(0, +)
        let share = profile.total > 0 ? matmul / profile.total : 0
        if json {
            struct Forward: Encodable { var min, median, max: Double }
            struct Report: Encodable {
                var load_s: Double
                var forward_s: Forward
                var runs: Int
                var matmul_share: Double
                var ops: [String: Double]
                var blas_core: String
            }
            let perRun = profile.seconds.mapValues { $0 / Double(runs) }
            let report = Report(load_s: load, forward_s: Forward(min: times[0], median: median, max: times[times.count - 1]),
                                runs: runs, matmul_share: share, ops: perRun,
                                blas_core: PatchableGraph.blasCore)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(String(format: "load %.3f s; forward over %d runs: min %.4f s, median %.4f s, max %.4f s",
                     load, runs, times[0], median, times[times.count - 1]))
        print(String(format: "matrix products: %.1f%% of op time", share * 100) + " (OpenBLAS \(PatchableGraph.blasCore) kernels)")
        for (op, seconds) in profile.seconds.sorted(by: { $0.value > $1.value }).prefix(12) {
            let name = op.count >= 24 ? op : op + String(repeating: " ", count: 24 - op.count)
            print("  " + name + String(format: " %8.4f s/run  %5.1f%%  (%d calls/run)",
                                       seconds / Double(runs), seconds / profile.total * 100, (profile.calls[op] ?? 0) / runs))
        }
    }
}
