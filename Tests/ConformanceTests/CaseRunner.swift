import Foundation
import GraphIR
import Interpreter
import ONNXImport
import TensorCore

/// Runs one case of the node suite the way a user's model runs: import, plan, run on the `.pb`
/// inputs of every data set, then compare each output with the expected one.
enum CaseRunner {
    /// Float tolerance: |got − expected| ≤ atol + rtol·|expected| (the harness values).
    static let rtol = 1e-3
    static let atol = 1e-5

    /// nil when every data set matches, else why the case failed (one line).
    static func run(_ testCase: NodeSuite.Case) -> String? {
        do {
            let model = try ModelLoader.load(path: testCase.folder.appendingPathComponent("model.onnx").path)
            let graph = model.graph
            let plan = try Plan(graph: graph)
            let dataSets = try FileManager.default.contentsOfDirectory(atPath: testCase.folder.path)
                .filter { $0.hasPrefix("test_data_set_") }.sorted()
            guard !dataSets.isEmpty else { return "no test_data_set_* folder" }
            for dataSet in dataSets {
                let folder = testCase.folder.appendingPathComponent(dataSet)
                let inputs = try feeds(graph: graph, folder: folder)
                let outputs = try plan.run(inputs: inputs)
                let expected = try tensors(named: "output", in: folder)
                guard outputs.count == expected.count else {
                    return "\(dataSet): \(outputs.count) outputs, expected \(expected.count)"
                }
                for (j, (got, want)) in zip(outputs, expected).enumerated() {
                    if let mismatch = compare(got.tensor, want.tensor) {
                        return "\(dataSet) output \(j) '\(got.name)': \(mismatch)"
                    }
                }
            }
            return nil
        } catch {
            return "\(error)".replacingOccurrences(of: "\n", with: " ")
        }
    }

    /// The graph inputs from `input_j.pb`: by the name stored in the file when it is a graph
    /// input, else by position (the j-th graph input).
    static func feeds(graph: Graph, folder: URL) throws -> [String: Tensor] {
        let names = graph.inputs.map { graph.values[$0.index].name }
        var feeds: [String: Tensor] = [:]
        for (j, input) in try tensors(named: "input", in: folder).enumerated() {
            if names.contains(input.name) {
                feeds[input.name] = input.tensor
            } else if j < names.count {
                feeds[names[j]] = input.tensor
            } else {
                throw SuiteError("input_\(j).pb matches no graph input (the graph has \(names.count))")
            }
        }
        return feeds
    }

    /// `<prefix>_0.pb`, `<prefix>_1.pb`… until the first missing index.
    static func tensors(named prefix: String, in folder: URL) throws -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        while true {
            let path = folder.appendingPathComponent("\(prefix)_\(result.count).pb").path
            guard FileManager.default.fileExists(atPath: path) else { return result }
            result.append(try TensorProtoFile.load(path: path))
        }
    }

    /// nil when `got` matches `expected` (same dtype and shape; floats within tolerance, NaN
    /// equal to NaN; everything else bit for bit), else the first difference.
    static func compare(_ got: Tensor, _ expected: Tensor) -> String? {
        guard got.dtype == expected.dtype else { return "dtype \(got.dtype), expected \(expected.dtype)" }
        guard got.shape == expected.shape else { return "shape \(got.shape), expected \(expected.shape)" }
        if got.dtype.isFloatingPoint || lowPrecisionFloats.contains(got.dtype) {
            guard let a = try? got.doubleValues(), let b = try? expected.doubleValues() else {
                return "cannot read \(got.dtype) values"
            }
            var bad = 0
            var first: Int?
            for i in a.indices where !isClose(a[i], b[i]) {
                bad += 1
                if first == nil { first = i }
            }
            guard let first else { return nil }
            return
                "\(bad) of \(a.count) elements differ; first at \(first): got \(a[first]), expected \(b[first])"
        }
        let size = got.dtype.byteSize
        return got.withUnsafeRawBytes { a in
            expected.withUnsafeRawBytes { b in
                var bad = 0
                var first: Int?
                for i in 0..<got.count
                where !a[(i * size)..<((i + 1) * size)].elementsEqual(b[(i * size)..<((i + 1) * size)]) {
                    bad += 1
                    if first == nil { first = i }
                }
                guard let first else { return nil }
                let show = { (t: Tensor) in (try? t.intValues()).map { "\($0[first])" } ?? "?" }
                return
                    "\(bad) of \(got.count) elements differ; first at \(first): got \(show(got)), expected \(show(expected))"
            }
        }
    }

    /// Float8 and float4 compare by value (several codes are NaN).
    static let lowPrecisionFloats: Set<DType> = [
        .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1,
    ]

    static func isClose(_ got: Double, _ expected: Double) -> Bool {
        if got.isNaN || expected.isNaN { return got.isNaN && expected.isNaN }
        if got == expected { return true }
        if got.isInfinite || expected.isInfinite { return false }
        return abs(got - expected) <= atol + rtol * abs(expected)
    }
}
