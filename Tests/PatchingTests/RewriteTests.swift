import GraphIR
import TensorCore
import Testing
@testable import Patching

@Suite struct RewriteTests {
    /// x → Relu "a" → y → Neg "b" → z (output); w initializer → Mul "m" with y → q (output)
    static func graph() -> Graph {
        var g = Graph()
        let x = g.addValue(ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("n")]))
        let y = g.addValue(ValueInfo(name: "y"))
        let z = g.addValue(ValueInfo(name: "z"))
        let w = g.addValue(ValueInfo(name: "w"))
        let q = g.addValue(ValueInfo(name: "q"))
        g.inputs = [x]
        g.outputs = [z, q]
        g.initializers = [w: Tensor([2] as [Float])]
        g.nodes = [Node(name: "a", opType: "Relu", inputs: [x], outputs: [y], scope: ["blk", "act"]),
                   Node(name: "b", opType: "Neg", inputs: [y], outputs: [z], scope: ["blk"]),
                   Node(name: "m", opType: "Mul", inputs: [y, w], outputs: [q], scope: ["head"])]
        return g
    }

    @Test func insertsAPatchAndMovesEveryConsumer() throws {
        let original = Self.graph()
        let patched = try original.patched([PatchRequest(label: "a=zero", target: "a", isProbe: false, id: 0)])
        let g = patched.graph
        #expect(g.nodes.map(\.name) == ["a", "patch#1: a=zero", "b", "m"])
        let patchOut = g.nodes[1].outputs[0]
        #expect(g.nodes[1].inputs == [ValueID(1)])
        #expect(g.nodes[2].inputs == [patchOut])
        #expect(g.nodes[3].inputs == [patchOut, ValueID(3)])
        #expect(g.opsetImports[patchDomain] == 1)
        #expect(original.nodes.count == 3, "the original graph is untouched")
    }

    @Test func probesRecordTheValueAtTheirPlace() throws {
        let patched = try Self.graph().patched([
            PatchRequest(label: "y=probe", target: "y", isProbe: true, id: 0),
            PatchRequest(label: "y=mul:2", target: "y", isProbe: false, id: 1),
            PatchRequest(label: "y=probe#2", target: "y", isProbe: true, id: 2),
            PatchRequest(label: "y=zero", target: "y", isProbe: false, id: 3),
        ], finalProbes: ["y"])
        let g = patched.graph
        let first = try #require(g.nodes.first { $0.name.hasPrefix("patch#1") })
        let second = try #require(g.nodes.first { $0.name.hasPrefix("patch#2") })
        #expect(patched.probes.map(\.key) == ["y=probe", "y=probe#2", "y"])
        #expect(patched.probes.map(\.value) == [ValueID(1), first.outputs[0], second.outputs[0]])
        #expect(second.inputs == [first.outputs[0]])
    }

    @Test func graphOutputsKeepTheirNames() throws {
        let g = try Self.graph().patched([PatchRequest(label: "z=zero", target: "z", isProbe: false, id: 0)]).graph
        #expect(g.outputs.map { g.values[$0.index].name } == ["z", "q"])
        #expect(g.outputs[0] != ValueID(2))
    }

    @Test func globsMatchNamesAndScopes() throws {
        let g = try Self.graph().patched([PatchRequest(label: "blk/*=probe", target: "blk/*", isProbe: true, id: 0)])
        #expect(g.probes.map(\.key) == ["blk/*=probe@y", "blk/*=probe@z"])
    }

    @Test func initializersAndNodeOutputsAreTargets() throws {
        let g = try Self.graph().patched([
            PatchRequest(label: "w=zero", target: "w", isProbe: false, id: 0),
            PatchRequest(label: "m:0=zero", target: "m:0", isProbe: false, id: 1),
        ]).graph
        #expect(g.nodes.count == 5)
    }

    @Test func unknownTargetsSuggestNearNames() {
        #expect {
            try Self.graph().patched([PatchRequest(label: "blk=zero", target: "bb", isProbe: false, id: 0)])
        } throws: { error in
            "\(error)" == "'blk=zero': no node, value, input or initializer named 'bb'; did you mean 'b', 'a', 'm'?"
        }
        #expect {
            try Self.graph().patched([PatchRequest(label: "m:3=zero", target: "m:3", isProbe: false, id: 0)])
        } throws: { "\($0)".contains("node 'm' has 1 output, not 4") }
    }

    @Test func namesThatExistTwiceAreRefused() {
        var g = Self.graph()
        g.values[2].name = "a"  // node "a" outputs y, and a value is now also called "a"
        #expect {
            try g.patched([PatchRequest(label: "a=probe", target: "a", isProbe: true, id: 0)])
        } throws: { "\($0)".contains("names more than one value") }
    }
}
