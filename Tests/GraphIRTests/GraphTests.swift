import Testing
import TensorCore
@testable import GraphIR

@Suite struct GraphTests {
    /// x → Relu(a) → y; y → Neg(b) → z.
    static func chain() -> Graph {
        var g = Graph()
        let x = g.addValue(ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("n")]))
        let y = g.addValue(ValueInfo(name: "y"))
        let z = g.addValue(ValueInfo(name: "z"))
        g.inputs = [x]
        g.outputs = [z]
        g.nodes = [Node(name: "a", opType: "Relu", inputs: [x], outputs: [y]),
                   Node(name: "b", opType: "Neg", inputs: [y], outputs: [z])]
        return g
    }

    @Test func aValidGraphVerifies() throws {
        try Self.chain().verify()
    }

    @Test func reportsUndefinedInputs() {
        var g = Self.chain()
        let ghost = g.addValue(ValueInfo(name: "ghost"))
        g.nodes[1].inputs = [ghost]
        #expect(throws: GraphError.undefinedInput(node: "b", input: "ghost")) { try g.verify() }
    }

    @Test func reportsDoubleDefinitions() {
        var g = Self.chain()
        g.nodes[1].outputs = [ValueID(1)]
        g.outputs = [ValueID(1)]
        #expect(throws: GraphError.definedTwice(value: "y", first: "node 'a'", second: "node 'b'")) { try g.verify() }
    }

    @Test func reportsCycles() {
        var g = Self.chain()
        g.nodes[0].inputs = [ValueID(2)]
        #expect(throws: GraphError.cycle(nodes: ["a", "b"])) { try g.verify() }
    }

    @Test func reportsUnknownOpsets() {
        var g = Self.chain()
        g.nodes[0].domain = "com.example"
        #expect(throws: GraphError.unknownOpset(node: "a", opType: "Relu", domain: "com.example")) { try g.verify() }
    }

    @Test func sortsNodesGivenOutOfOrder() throws {
        var g = Self.chain()
        g.nodes.reverse()
        #expect(try g.topologicalOrder() == [1, 0])
    }

    @Test func namesFollowTheRules() {
        let names = NodeNaming.uniqueNames(raw: [
            ("/h.0/attn/MatMul", "x1", "MatMul"), ("", "out", "Add"), ("", "", "Relu"),
            ("dup", "", "Add"), ("dup", "", "Add"), ("dup#2", "", "Mul"), ("dup", "", "Add"),
        ])
        #expect(names == ["/h.0/attn/MatMul", "out", "Relu_2", "dup", "dup#3", "dup#2", "dup#4"])
    }

    @Test func scopesFromBothExporters() {
        #expect(NodeNaming.scope(name: "/transformer/h.0/attn/MatMul", metadata: [:]) == ["transformer", "h.0", "attn"])
        #expect(NodeNaming.scope(name: "node_MatMul_12", metadata: [:]) == [])
        let meta = [NodeNaming.nameScopesKey: "['', 'm', 'm.transformer', 'm.transformer.h.0', 'm.transformer.h.0.attn']"]
        #expect(NodeNaming.scope(name: "node_MatMul_12", metadata: meta) == ["m", "transformer", "h.0", "attn"])
        // As torch 2.15 writes them: the FX node's name ends the list; ops outside modules have no root.
        let fx = [NodeNaming.nameScopesKey: "['', 'm', 'm.transformer', 'm.transformer.wte', 'embedding']"]
        #expect(NodeNaming.scope(name: "node_embedding", metadata: fx) == ["m", "transformer", "wte"])
        let top = [NodeNaming.nameScopesKey: "['', 'add']"]
        #expect(NodeNaming.scope(name: "node_add", metadata: top) == [])
        let hook = [NodeNaming.nameScopesKey: "['_empty_nn_module_stack_from_metadata_hook', 'sym_size_int_6']"]
        #expect(NodeNaming.scope(name: "node_Shape_2", metadata: hook) == [])
    }

    @Test(arguments: [
        ("node_*", "node_MatMul_12", true), ("*attn*", "transformer/h.0/attn/x", true),
        ("h.?/mlp", "h.1/mlp", true), ("h.?/mlp", "h.10/mlp", false), ("*", "", true), ("a*b*c", "abxbc", true),
        ("a*b*c", "abxb", false),
    ])
    func globs(pattern: String, text: String, expected: Bool) {
        #expect(Glob(pattern).matches(text) == expected)
    }

    @Test func attributesAreTyped() throws {
        let node = Node(name: "n", opType: "Softmax", inputs: [], outputs: [],
                        attributes: ["axis": .int(-1), "alpha": .float(0.5)])
        #expect(try node.int("axis", default: 1) == -1)
        #expect(try node.int("missing", default: 7) == 7)
        #expect(throws: AttributeError.self) { try node.ints("alpha") }
        do {
            _ = try node.string("axis")
        } catch {
            #expect(error.description == "node 'n' (Softmax), attribute 'axis': expected STRING, got INT")
        }
    }
}
