import Foundation
import ONNXPatch
import Testing

/// The command-line contract of DESIGN.md, checked by running the binary.
@Suite struct CLITests {
    @Test(arguments: Fixture.all())
    func inspectJSONListsEveryNode(fixture: Fixture) throws {
        let result = try onnxpatch(["inspect", fixture.modelPath, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        let graph = try PatchableGraph(path: fixture.modelPath).graph
        #expect(nodes.count == graph.nodes.count)
        #expect(Set(nodes.compactMap { $0["name"] as? String }).count == graph.nodes.count, "names are unique")
        for node in nodes {
            for key in ["name", "op", "domain", "inputs", "outputs", "scope"] {
                #expect(node[key] != nil, "node entry lacks \(key)")
            }
        }
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        #expect(Set(inputs.compactMap { $0["name"] as? String }) == Set(fixture.manifest.inputs.keys))
    }

    @Test func inspectTextShowsScopesAndFilters() throws {
        let fixture = try #require(Fixture.all().first { $0.name == "bert-legacy" })
        let all = try onnxpatch(["inspect", fixture.modelPath])
        #expect(all.status == 0)
        #expect(all.stdout.contains("inputs:") && all.stdout.contains("nodes:"))
        let some = try onnxpatch(["inspect", fixture.modelPath, "--json", "--filter", "*MatMul*"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(some.stdout.utf8)) as? [String: Any])
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        #expect(!nodes.isEmpty)
        #expect(nodes.allSatisfy { ($0["name"] as? String ?? "").contains("MatMul") || ($0["op"] as? String) == "MatMul" })
    }

    @Test(arguments: Fixture.all())
    func runWritesOutputsAndManifest(fixture: Fixture) throws {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let inputs = fixture.manifest.inputs.map { "\($0.key)=\(fixture.path($0.value))" }
        let result = try onnxpatch(["run", fixture.modelPath] + inputs.flatMap { ["--input", $0] } + ["--out", out.path, "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let model = try #require(manifest["model"] as? [String: Any])
        #expect(model["path"] as? String == fixture.modelPath)
        // Hashed beside the run; SHA256Tests checks hex(ofFile:) against sha256sum.
        #expect(model["sha256"] as? String == (try SHA256.hex(ofFile: fixture.modelPath)))
        #expect((manifest["probes"] as? [String: Any])?.isEmpty == true)
        #expect((manifest["patches"] as? [Any])?.isEmpty == true)
        let outputs = try #require(manifest["outputs"] as? [String: [String: Any]])
        #expect(Set(outputs.keys) == Set(fixture.manifest.outputs.keys))
        for (name, entry) in outputs {
            let file = try #require(entry["file"] as? String)
            let written = try NPY.read(path: out.appendingPathComponent(file).path)
            #expect(entry["dtype"] as? String == written.dtype.name)
            #expect(entry["shape"] as? [Int] == written.shape)
            let expected = try NPY.read(path: fixture.path(fixture.manifest.outputs[name] ?? ""))
            try expectMatches(written, expected, "\(fixture.name) \(name) via CLI")
        }
    }
}
