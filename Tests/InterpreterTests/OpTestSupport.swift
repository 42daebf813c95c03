import GraphIR
import Interpreter
import TensorCore
import Testing

/// Runs one op from the standard registry on `inputs`, as the plan would: the node is built
/// with `outputs` outputs, the factory parses the attributes, then the op is called once.
func runOp(
    _ opType: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:],
    opset: Int = 18, domain: String = "", outputs: Int = 1
) throws -> [Tensor] {
    var graph = Graph()
    let inputIDs: [ValueID?] = inputs.enumerated().map { i, t in
        t == nil ? nil : graph.addValue(ValueInfo(name: "in\(i)"))
    }
    let outputIDs = (0..<outputs).map { graph.addValue(ValueInfo(name: "out\($0)")) }
    let node = Node(name: "test_\(opType)", opType: opType, domain: domain, inputs: inputIDs,
                    outputs: outputIDs, attributes: attributes)
    guard let factory = OpRegistry.standard.factory(opType: opType, domain: domain, opset: opset) else {
        throw OpError("no implementation of \(opType) at opset \(opset)")
    }
    let op = try factory(OpContext(node: node, opset: opset))
    // `op(inputs)` on an existential crashes the 6.3.1 compiler; call the method by name.
    return try op.callAsFunction(inputs)
}

/// Expects `actual` to have `shape` and elements within `atol + rtol * |expected|` of `expected`.
func expectClose(
    _ actual: Tensor, _ expected: [Float], shape: [Int], atol: Float = 1e-5, rtol: Float = 1e-4,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.dtype == .float32, sourceLocation: sourceLocation)
    #expect(actual.shape == shape, sourceLocation: sourceLocation)
    guard actual.dtype == .float32, actual.count == expected.count else {
        Issue.record("got \(actual), expected \(expected.count) elements", sourceLocation: sourceLocation)
        return
    }
    let got = actual.scalars(as: Float.self)
    for (i, (g, e)) in zip(got, expected).enumerated() {
        let close = (g.isNaN && e.isNaN) || abs(g - e) <= atol + rtol * abs(e)
        #expect(close, "element \(i): got \(g), expected \(e)", sourceLocation: sourceLocation)
    }
}
