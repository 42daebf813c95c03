import Foundation
import ONNXPatch
import Testing

/// Every exported transformer in Fixtures/models runs and matches onnxruntime, outputs and
/// recorded intermediate values, at atol 1e-4 / rtol 1e-3.
@Suite struct FixtureTests {
    @Test func fixturesArePresent() {
        let names = Set(Fixture.all().map(\.name))
        for required in ["gpt2-dynamo", "llama-dynamo", "bert-dynamo", "gptneox-dynamo", "qwen2-dynamo", "bert-legacy"] {
            #expect(names.contains(required), "missing fixture \(required)")
        }
    }

    @Test(arguments: Fixture.all())
    func outputsMatchOnnxRuntime(fixture: Fixture) throws {
        let model = try PatchableGraph(path: fixture.modelPath)
        let outputs = try model.run(try fixture.inputs())
        #expect(Set(outputs.map(\.name)) == Set(fixture.manifest.outputs.keys))
        for (name, tensor) in outputs {
            guard let file = fixture.manifest.outputs[name] else { continue }
            try expectMatches(tensor, try NPY.read(path: fixture.path(file)), "\(fixture.name) output \(name)")
        }
    }

    @Test(arguments: Fixture.all())
    func intermediatesMatchOnnxRuntime(fixture: Fixture) throws {
        let recorded = fixture.manifest.intermediates ?? [:]
        try #require(!recorded.isEmpty, "\(fixture.name) records no intermediate values")
        let model = try PatchableGraph(path: fixture.modelPath)
        let values = try model.run(try fixture.inputs(), fetching: Array(recorded.keys))
        for (name, entry) in recorded {
            let tensor = try #require(values.first { $0.name == name }?.tensor, "\(name) not fetched")
            try expectMatches(tensor, try NPY.read(path: fixture.path(entry.file)), "\(fixture.name) value \(name)")
        }
    }
}
