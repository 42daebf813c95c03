import Foundation
import ONNXPatch
import Testing

/// Library-only custom patches: a Swift closure over the indexed region.
@Suite struct CustomPatchTests {
    static func model() throws -> (PatchableGraph, [String: Tensor]) {
        let fixture = try #require(Fixture.all().first { $0.name == "gpt2-dynamo" })
        return (try PatchableGraph(path: fixture.modelPath), try fixture.inputs())
    }

    @Test func aClosureEqualsTheSpecItMimics() throws {
        let (model, feeds) = try Self.model()
        let spec = try model.run(feeds, patches: [try Patch("node_Softmax_122[:, 1, -1]=zero")])
        let halfZero = try Patch(target: "node_Softmax_122", index: ":, 1, -1", label: "zero by hand") { region in
            try Tensor(zeros: region.dtype, shape: region.shape)
        }
        let custom = try model.run(feeds, patches: [halfZero])
        let a = try #require(spec[output: "logits"]), b = try #require(custom[output: "logits"])
        #expect(a.scalars(as: Float.self) == b.scalars(as: Float.self))
        let clean = try #require(try model.run(feeds, patches: [])[output: "logits"])
        #expect(clean.scalars(as: Float.self) != b.scalars(as: Float.self), "the patch changed the logits")
    }

    @Test func theClosureSeesTheRegionAndItsShapeIsChecked() throws {
        let (model, feeds) = try Self.model()
        let seen = Recorder()
        let record = try Patch(target: "node_Softmax_122", index: "0, :, -1") { region in
            seen.shapes.append(region.shape)
            return region
        }
        _ = try model.run(feeds, patches: [record])
        #expect(seen.shapes == [[2, 7]])
        let wrong = try Patch(target: "node_Softmax_122", label: "bad") { _ in Tensor([1] as [Float]) }
        #expect { try model.run(feeds, patches: [wrong]) } throws: { "\($0)".contains("closure returned float32[1]") }
    }
}

final class Recorder: @unchecked Sendable {
    var shapes: [[Int]] = []
}
