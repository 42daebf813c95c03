import Foundation
import ONNXPatch
import Testing

/// One case of `Fixtures/patches/<fixture>/cases.json`, written by tools/make-patch-references.py
/// from onnxruntime runs of graphs with the patches spliced in by onnx.helper.
///
/// `@file` arguments in the specs are relative to the repository root and are made absolute
/// here; output and probe files are relative to `Fixtures/patches/<fixture>/`.
struct PatchCase: CustomStringConvertible, Sendable {
    struct Entry: Decodable, Sendable {
        var name: String
        var specs: [String]
        var probes: [String]
        var outputs: [String: String]
        var probeValues: [String: String]

        enum CodingKeys: String, CodingKey {
            case name, specs, probes, outputs, probeValues = "probe_values"
        }
    }

    var fixture: Fixture
    var entry: Entry
    var folder: URL

    var description: String { "\(fixture.name)/\(entry.name)" }
    var name: String { entry.name }
    var probes: [String] { entry.probes }

    /// The specs with `@path` made absolute.
    var specs: [String] { entry.specs.map(Self.absolute) }

    static func absolute(_ spec: String) -> String {
        guard let at = spec.range(of: "=", options: .backwards),
              let file = spec.range(of: ":@", range: at.upperBound..<spec.endIndex)
        else { return spec }
        return String(spec[..<file.upperBound]) + Repo.root.appendingPathComponent(String(spec[file.upperBound...])).path
    }

    func reference(_ file: String) throws -> Tensor {
        try NPY.read(path: folder.appendingPathComponent(file).path)
    }

    static let folder = Repo.fixtures.appendingPathComponent("patches")

    /// Every case of every fixture that has a cases.json.
    static func all() -> [PatchCase] {
        Fixture.all().flatMap { fixture in cases(of: fixture) }
    }

    static func cases(of fixture: Fixture) -> [PatchCase] {
        let folder = Self.folder.appendingPathComponent(fixture.name)
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("cases.json")),
              let entries = try? JSONDecoder().decode([Entry].self, from: data)
        else { return [] }
        return entries.map { PatchCase(fixture: fixture, entry: $0, folder: folder) }
    }

    static func named(_ name: String, in fixture: String) throws -> PatchCase {
        let fixture = try #require(Fixture.all().first { $0.name == fixture })
        return try #require(cases(of: fixture).first { $0.name == name }, "no case \(name) for \(fixture.name)")
    }
}

/// Compares with the onnxruntime reference: floats within atol 1e-4 + rtol 1e-3, integers exactly.
func expectReference(
    _ actual: Tensor, _ expected: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    if expected.dtype.isFloatingPoint {
        try expectMatches(actual, expected, what, sourceLocation: sourceLocation)
    } else {
        try expectMatches(actual, expected, atol: 0, rtol: 0, what, sourceLocation: sourceLocation)
    }
}

/// Patched runs through the library, against references built without it.
@Suite struct PatchReferenceTests {
    @Test func everyFixtureHasCases() {
        for fixture in Fixture.all() {
            #expect(PatchCase.cases(of: fixture).count >= 15, "\(fixture.name): cases.json missing or short")
        }
        #expect(Fixture.all().count >= 7)
    }

    @Test(arguments: PatchCase.all())
    func matchesOnnxruntime(_ patchCase: PatchCase) throws {
        let model = try PatchableGraph(path: patchCase.fixture.modelPath)
        let patches = try patchCase.specs.map { try Patch($0) }
        let result = try model.run(try patchCase.fixture.inputs(), patches: patches, probes: patchCase.probes)
        try expectResult(result, of: patchCase)
    }

    /// Plans are cached per patch set: a patched run must not change later unpatched runs, and a
    /// repeated patched run must give the same values again.
    @Test(arguments: Fixture.all())
    func patchesDoNotLeakIntoLaterRuns(fixture: Fixture) throws {
        let model = try PatchableGraph(path: fixture.modelPath)
        let feeds = try fixture.inputs()
        let cases = PatchCase.cases(of: fixture)
        try #require(!cases.isEmpty)
        for patchCase in cases {
            let patches = try patchCase.specs.map { try Patch($0) }
            try expectResult(try model.run(feeds, patches: patches, probes: patchCase.probes), of: patchCase)
            let unpatched = try model.run(feeds, patches: [])
            #expect(unpatched.probes.isEmpty)
            for (name, file) in fixture.manifest.outputs {
                let actual = try #require(unpatched[output: name])
                try expectMatches(actual, try NPY.read(path: fixture.path(file)),
                                  "\(fixture.name) \(name) unpatched after \(patchCase.name)")
            }
        }
        // The plain API after all of them, then the first case again from its cached plan.
        for (name, tensor) in try model.run(feeds) {
            try expectMatches(tensor, try NPY.read(path: fixture.path(fixture.manifest.outputs[name] ?? "")),
                              "\(fixture.name) \(name) from run(_:)")
        }
        let first = cases[0]
        let again = try model.run(feeds, patches: try first.specs.map { try Patch($0) }, probes: first.probes)
        try expectResult(again, of: first)
    }

    func expectResult(_ result: RunResult, of patchCase: PatchCase, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(Set(result.outputs.map(\.name)) == Set(patchCase.entry.outputs.keys), "\(patchCase) outputs",
                sourceLocation: sourceLocation)
        for (name, file) in patchCase.entry.outputs {
            let actual = try #require(result[output: name], "\(patchCase): no output \(name)", sourceLocation: sourceLocation)
            try expectReference(actual, try patchCase.reference(file), "\(patchCase) output \(name)",
                                sourceLocation: sourceLocation)
        }
        #expect(result.probes.map(\.key).sorted() == patchCase.entry.probeValues.keys.sorted(), "\(patchCase) probe keys",
                sourceLocation: sourceLocation)
        for (key, file) in patchCase.entry.probeValues {
            let actual = try #require(result[probe: key], "\(patchCase): no probe \(key)", sourceLocation: sourceLocation)
            try expectReference(actual, try patchCase.reference(file), "\(patchCase) probe \(key)",
                                sourceLocation: sourceLocation)
        }
    }
}
