import Foundation
import ONNXPatch
import Testing

/// The patching command line of DESIGN.md, run as a process: `run --patch/--patches/--probe`,
/// `diff --json`, `inspect --patch`, and the errors for bad specs, files and targets.
/// Values are checked against the onnxruntime references of tools/make-patch-references.py.
@Suite struct PatchCLITests {
    static let fixtureName = "gpt2-dynamo"

    static func fixture() throws -> Fixture {
        try #require(Fixture.all().first { $0.name == fixtureName })
    }

    static func inputArguments(_ fixture: Fixture) -> [String] {
        fixture.manifest.inputs.sorted { $0.key < $1.key }.flatMap { ["--input", "\($0.key)=\(fixture.path($0.value))"] }
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    static func manifest(in folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The tensors a manifest section (`outputs` or `probes`) lists, after checking dtype and shape entries.
    static func tensors(_ section: String, of manifest: [String: Any], in folder: URL) throws -> [String: Tensor] {
        let entries = try #require(manifest[section] as? [String: [String: Any]], "manifest has no \(section)")
        var result: [String: Tensor] = [:]
        for (key, entry) in entries {
            let file = try #require(entry["file"] as? String)
            let tensor = try NPY.read(path: folder.appendingPathComponent(file).path)
            #expect(entry["dtype"] as? String == tensor.dtype.name, "\(section) \(key) dtype")
            #expect(entry["shape"] as? [Int] == tensor.shape, "\(section) \(key) shape")
            result[key] = tensor
        }
        return result
    }

    @Test func runWritesProbesKeyedByTargetAndListsPatches() throws {
        let fixture = try Self.fixture()
        let patchCase = try PatchCase.named("different-targets", in: Self.fixtureName)
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try onnxpatch(["run", fixture.modelPath] + Self.inputArguments(fixture)
            + patchCase.specs.flatMap { ["--patch", $0] } + patchCase.probes.flatMap { ["--probe", $0] }
            + ["--out", out.path, "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try Self.manifest(in: out)
        #expect(manifest["patches"] as? [String] == patchCase.specs)
        let probes = try Self.tensors("probes", of: manifest, in: out)
        #expect(probes.keys.sorted() == patchCase.entry.probeValues.keys.sorted())
        for (key, file) in patchCase.entry.probeValues {
            let probe = try #require(probes[key], "no probe \(key) in the manifest")
            try expectReference(probe, try patchCase.reference(file), "CLI probe \(key)")
        }
        let outputs = try Self.tensors("outputs", of: manifest, in: out)
        for (name, file) in patchCase.entry.outputs {
            let output = try #require(outputs[name])
            try expectReference(output, try patchCase.reference(file), "CLI output \(name)")
        }
    }

    @Test func runProbesIntegerValuesAndInputs() throws {
        let fixture = try Self.fixture()
        let patchCase = try PatchCase.named("probe-int64-and-input", in: Self.fixtureName)
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try onnxpatch(["run", fixture.modelPath] + Self.inputArguments(fixture)
            + patchCase.probes.flatMap { ["--probe", $0] } + ["--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try Self.manifest(in: out)
        #expect((manifest["patches"] as? [Any])?.isEmpty == true)
        let probes = try Self.tensors("probes", of: manifest, in: out)
        #expect(probes.keys.sorted() == patchCase.probes.sorted())
        for (key, file) in patchCase.entry.probeValues {
            let probe = try #require(probes[key])
            try expectReference(probe, try patchCase.reference(file), "CLI probe \(key)")
        }
    }

    /// The same specs by `--patch`, by `--patches FILE.json`, and split between the two (the
    /// file's specs come first) give the same manifest and the same values.
    @Test func patchesFileEqualsTheSameSpecsGivenByFlag() throws {
        let fixture = try Self.fixture()
        let patchCase = try PatchCase.named("same-target-in-order", in: Self.fixtureName)
        let specs = patchCase.specs
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = folder.appendingPathComponent("all.json"), half = folder.appendingPathComponent("half.json")
        try JSONSerialization.data(withJSONObject: specs).write(to: whole)
        try JSONSerialization.data(withJSONObject: Array(specs.prefix(2))).write(to: half)
        let common = ["run", fixture.modelPath] + Self.inputArguments(fixture)
            + patchCase.probes.flatMap { ["--probe", $0] } + ["--threads", "1"]
        let runs: [(String, [String])] = [
            ("flag", specs.flatMap { ["--patch", $0] }),
            ("file", ["--patches", whole.path]),
            ("both", ["--patches", half.path] + specs.dropFirst(2).flatMap { ["--patch", $0] }),
        ]
        var results: [(String, URL, [String: Any])] = []
        for (label, arguments) in runs {
            let out = folder.appendingPathComponent(label)
            let result = try onnxpatch(common + arguments + ["--out", out.path])
            #expect(result.status == 0, "\(label): \(result.stderr)")
            let manifest = try Self.manifest(in: out)
            #expect(manifest["patches"] as? [String] == specs, "\(label): manifest patches")
            results.append((label, out, manifest))
        }
        let (_, firstOut, first) = results[0]
        for section in ["outputs", "probes"] {
            let expected = try Self.tensors(section, of: first, in: firstOut)
            let references = section == "outputs" ? patchCase.entry.outputs : patchCase.entry.probeValues
            #expect(expected.keys.sorted() == references.keys.sorted(), "\(section) keys")
            for (key, file) in references {
                try expectReference(try #require(expected[key]), try patchCase.reference(file), "--patch \(section) \(key)")
            }
            for (label, out, manifest) in results.dropFirst() {
                let got = try Self.tensors(section, of: manifest, in: out)
                #expect(got.keys.sorted() == expected.keys.sorted(), "\(label) \(section) keys")
                for (key, tensor) in expected {
                    try expectMatches(try #require(got[key]), tensor, atol: 0, rtol: 0, "\(label) \(section) \(key)")
                }
            }
        }
    }

    @Test func diffReportsTheChangeOfEachOutput() throws {
        let fixture = try Self.fixture()
        let patchCase = try PatchCase.named("zero-whole-activation", in: Self.fixtureName)
        let result = try onnxpatch(["diff", fixture.modelPath] + Self.inputArguments(fixture)
            + patchCase.specs.flatMap { ["--patch", $0] } + ["--json", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try Self.json(result.stdout)
        #expect(report["patches"] as? [String] == patchCase.specs)
        let outputs = try #require(report["outputs"] as? [[String: Any]])
        #expect(outputs.compactMap { $0["name"] as? String }.sorted() == fixture.manifest.outputs.keys.sorted())
        for entry in outputs {
            let name = try #require(entry["name"] as? String)
            let before = try NPY.read(path: fixture.path(fixture.manifest.outputs[name] ?? ""))
            let after = try patchCase.reference(try #require(patchCase.entry.outputs[name]))
            #expect(entry["shape"] as? [Int] == before.shape)
            let a = try before.doubleValues(), b = try after.doubleValues()
            var maxAbs = 0.0, sumAbs = 0.0, dot = 0.0, na = 0.0, nb = 0.0, nd = 0.0
            for (x, y) in zip(a, b) {
                maxAbs = max(maxAbs, abs(x - y))
                sumAbs += abs(x - y)
                dot += x * y
                na += x * x
                nb += y * y
                nd += (x - y) * (x - y)
            }
            let expected: [(String, Double)] = [
                ("max_abs_diff", maxAbs), ("mean_abs_diff", sumAbs / Double(a.count)),
                ("relative_l2", (nd / na).squareRoot()), ("cosine_similarity", dot / (na * nb).squareRoot()),
            ]
            #expect(maxAbs > 0.01, "the reference patch changes \(name)")
            for (key, value) in expected {
                let got = try #require(entry[key] as? Double, "\(name): no \(key)")
                #expect(abs(got - value) <= 1e-3 + 1e-2 * abs(value), "\(name) \(key): got \(got), reference \(value)")
            }
            guard before.shape.count == 3 else { continue }
            let top = try #require(entry["top_k"] as? [String: Any], "\(name): logits need top_k")
            let position = before.shape[1] - 1
            #expect(top["position"] as? Int == position)
            let row = position * before.shape[2]..<(position + 1) * before.shape[2]
            try Self.expectTopK(top["before"], logits: Array(a[row]), "\(name) before")
            try Self.expectTopK(top["after"], logits: Array(b[row]), "\(name) after")
        }
    }

    /// The listed tokens are the 5 largest logits of the reference row, in order (near-ties may
    /// swap: each rank is compared by logit value), with their softmax probabilities.
    static func expectTopK(_ value: Any?, logits: [Double], _ what: String) throws {
        let tokens = try #require(value as? [[String: Any]], "\(what): no token list")
        #expect(tokens.count == 5, "\(what): default top-k is 5")
        let sorted = logits.sorted(by: >)
        let m = sorted[0]
        let z = logits.reduce(0) { $0 + exp($1 - m) }
        for (rank, token) in tokens.enumerated() where rank < sorted.count {
            let id = try #require(token["id"] as? Int, "\(what): token without id")
            try #require(logits.indices.contains(id), "\(what): id \(id) out of range")
            #expect(abs(logits[id] - sorted[rank]) <= 1e-3, "\(what): rank \(rank) is token \(id)")
            let logit = try #require(token["logit"] as? Double)
            #expect(abs(logit - logits[id]) <= 1e-3, "\(what): logit of \(id)")
            let probability = try #require(token["probability"] as? Double)
            #expect(abs(probability - exp(logits[id] - m) / z) <= 1e-4, "\(what): probability of \(id)")
        }
    }

    @Test func inspectShowsTheInsertedPatchNode() throws {
        let fixture = try Self.fixture()
        let spec = "node_Softmax_122[0, 1, -1, :]=zero"
        let plain = try Self.json(try onnxpatch(["inspect", fixture.modelPath, "--json"]).stdout)
        let result = try onnxpatch(["inspect", fixture.modelPath, "--patch", spec, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let patched = try Self.json(result.stdout)
        let before = try #require(plain["nodes"] as? [[String: Any]])
        let after = try #require(patched["nodes"] as? [[String: Any]])
        #expect(after.count == before.count + 1)
        let target = try #require(before.first { $0["name"] as? String == "node_Softmax_122" }?["outputs"] as? [String]).first
        let inserted = after.filter { !before.map { $0["name"] as? String }.contains($0["name"] as? String) }
        try #require(inserted.count == 1, "one node more: \(inserted)")
        let node = inserted[0]
        #expect(node["op"] as? String == "Patch")
        #expect((node["name"] as? String ?? "").contains(spec), "the patch node names its spec: \(node)")
        #expect(node["inputs"] as? [String] == target.map { [$0] })
        let patchedValue = try #require((node["outputs"] as? [String])?.first)
        // Every former consumer of the target now reads the patched value.
        let consumers = before.filter { ($0["inputs"] as? [String] ?? []).contains(target ?? "") }.compactMap { $0["name"] as? String }
        #expect(!consumers.isEmpty)
        for name in consumers {
            let inputs = try #require(after.first { $0["name"] as? String == name }?["inputs"] as? [String])
            #expect(inputs.contains(patchedValue) && !inputs.contains(target ?? ""), "\(name) reads \(inputs)")
        }
    }

    /// `--probe GLOB` matching two nodes must keep both values: two manifest entries, and no
    /// file in the folder that the manifest does not list. (Known issue: both probes are keyed by
    /// the glob text, so the manifest keeps one and the other file is orphaned.)
    @Test func probeOfAGlobKeepsEveryMatch() throws {
        let fixture = try Self.fixture()
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try onnxpatch(["run", fixture.modelPath] + Self.inputArguments(fixture)
            + ["--probe", "node_Softmax_*", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try Self.manifest(in: out)
        let listed = try Self.tensors("outputs", of: manifest, in: out).count + Self.tensors("probes", of: manifest, in: out).count
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".npy") }
        #expect((manifest["probes"] as? [String: Any])?.count == 2, "one probe per matched Softmax")
        #expect(files.count == listed, "every written file is in the manifest: \(files)")
    }

    @Test func floatSixteenValueIntoFloat32TargetIsAccepted() throws {
        let fixture = try Self.fixture()
        let patchCase = try PatchCase.named("add-file-float16", in: Self.fixtureName)
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try onnxpatch(["run", fixture.modelPath] + Self.inputArguments(fixture)
            + patchCase.specs.flatMap { ["--patch", $0] } + ["--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let outputs = try Self.tensors("outputs", of: try Self.manifest(in: out), in: out)
        for (name, file) in patchCase.entry.outputs {
            try expectReference(try #require(outputs[name]), try patchCase.reference(file), "float16 patch \(name)")
        }
    }

    /// A command that must fail: what it runs, and what its one error line must mention.
    struct BadInput: CustomStringConvertible, Sendable {
        var description: String
        var arguments: [String]
        var mentions: [String]
    }

    static func badInputs() -> [BadInput] {
        guard let fixture = try? fixture() else { return [] }
        let model = fixture.modelPath
        let inputs = inputArguments(fixture)
        let values = PatchCase.folder.appendingPathComponent("\(fixtureName)/values").path
        let ambiguous = PatchCase.folder.appendingPathComponent("ambiguous-name")
        let ambiguousModel = ["run", ambiguous.appendingPathComponent("model.onnx").path,
                              "--input", "x=" + ambiguous.appendingPathComponent("inputs/x.npy").path]
        func patch(_ label: String, _ spec: String, _ more: [String] = []) -> BadInput {
            BadInput(description: label, arguments: ["run", model] + inputs + ["--patch", spec], mentions: [spec] + more)
        }
        return [
            patch("unknown target suggests near names", "node_Softmax_12[0]=zero", ["node_Softmax_122"]),
            BadInput(description: "unknown probe target suggests near names",
                     arguments: ["run", model] + inputs + ["--probe", "node_Sofmax_122"],
                     mentions: ["node_Sofmax_122", "node_Softmax_122"]),
            patch("unknown kind", "node_Softmax_122=scale:2", ["scale"]),
            patch("malformed spec without '='", "node_Softmax_122[0]zero"),
            patch("malformed spec without argument", "node_Softmax_122=add"),
            patch("malformed spec with a bad number", "node_Softmax_122=mul:two"),
            patch("malformed index with an empty item", "node_Softmax_122[0,,1]=zero"),
            patch("malformed index with a word", "node_Softmax_122[a]=zero"),
            patch("index out of range", "node_Softmax_122[0, 2]=zero", ["2, 2, 7, 7"]),
            patch("negative index out of range", "node_Softmax_122[-3]=zero", ["2, 2, 7, 7"]),
            patch("too many indices", "node_Softmax_122[0, 0, 0, 0, 0]=zero", ["2, 2, 7, 7"]),
            patch("replacement of the wrong shape", "node_Softmax_122[0, 0]=replace:@\(values)/bad_shape.npy"),
            patch("float64 replacement into a float32 target", "node_Softmax_122[0, 0]=replace:@\(values)/lossy_float64.npy",
                  ["float64"]),
            patch("missing value file", "node_Softmax_122=add:@\(values)/no-such-file.npy"),
            BadInput(description: "probe of a name that exists twice",
                     arguments: ambiguousModel + ["--probe", "A"], mentions: ["'A'"]),
            BadInput(description: "probe spec of a name that exists twice",
                     arguments: ambiguousModel + ["--patch", "A=probe"], mentions: ["A=probe"]),
        ]
    }

    @Test(arguments: badInputs())
    func badInputFailsWithOneErrorLine(_ bad: BadInput) throws {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try Self.expectFailure(try onnxpatch(bad.arguments + ["--out", out.path]), mentions: bad.mentions, out: out)
    }

    @Test(arguments: [
        ("an object", #"{"patches": ["node_Softmax_122=zero"]}"#),
        ("a list with a number", #"["node_Softmax_122=zero", 3]"#),
        ("a string", #""node_Softmax_122=zero""#),
        ("not JSON", "node_Softmax_122=zero"),
    ])
    func patchesFileThatIsNotAListOfStringsFails(_ label: String, _ content: String) throws {
        let fixture = try Self.fixture()
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("patches.json")
        try Data(content.utf8).write(to: file)
        let out = folder.appendingPathComponent("out")
        let result = try onnxpatch(["run", fixture.modelPath] + Self.inputArguments(fixture)
            + ["--patches", file.path, "--out", out.path])
        try Self.expectFailure(result, mentions: [file.path], out: out)
    }

    static func expectFailure(
        _ result: CLIResult, mentions: [String], out: URL, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(result.status != 0, "exit status", sourceLocation: sourceLocation)
        #expect(!result.signaled, "ended by a signal: \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "one stderr line, got: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        for text in mentions {
            #expect(result.stderr.contains(text), "stderr names \(text): \(result.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path),
                "no manifest after a failure", sourceLocation: sourceLocation)
    }
}
