import Foundation
import GraphIR
import Interpreter
import TensorCore
import Testing

/// One case of `Fixtures/shape/cases.json`, written by tools/make-shape-references.py from
/// onnxruntime's outputs (all tensors int64).
private struct ReferenceCase: Decodable {
    struct Values: Decodable {
        var shape: [Int]
        var values: [Int]
        var tensor: Tensor { Tensor(shape: shape, scalars: values.map { Int64($0) }) }
    }

    var op: String
    var opset: Int
    var ints: [String: [Int]]?
    var int: [String: Int]?
    var string: [String: String]?
    var inputs: [Values?]
    var output: Values

    var attributes: [String: Attribute] {
        var result: [String: Attribute] = [:]
        for (k, v) in ints ?? [:] { result[k] = .ints(v) }
        for (k, v) in int ?? [:] { result[k] = .int(v) }
        for (k, v) in string ?? [:] { result[k] = .string(v) }
        return result
    }

    var summary: String {
        // Short 1-D inputs (starts, ends, pads…) are shown with their values.
        let described = inputs.map { input -> String in
            guard let input else { return "-" }
            let short = input.shape.count <= 1 && input.values.count <= 8
            return short ? "\(input.shape) \(input.values)" : "\(input.shape)"
        }
        return "\(op) inputs \(described) attributes \(attributes.keys.sorted())"
    }
}

@Suite("Shape ops against onnxruntime references")
struct ShapeReferenceTests {
    private static func load() throws -> [ReferenceCase] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/shape/cases.json")
        return try JSONDecoder().decode([ReferenceCase].self, from: Data(contentsOf: url))
    }

    @Test(
        "every case matches onnxruntime's output",
        arguments: ["Slice", "Transpose", "Pad", "Expand", "Tile", "Gather", "CumSum"])
    func matches(op: String) throws {
        let cases = try Self.load().filter { $0.op == op }
        #expect(cases.count >= 10, "too few \(op) cases in the fixture")
        for c in cases {
            let out = try runOp(c.op, c.inputs.map { $0?.tensor }, attributes: c.attributes, opset: c.opset)[
                0]
            #expect(out.shape == c.output.shape, "\(c.summary)")
            #expect(try out.intValues() == c.output.values, "\(c.summary)")
        }
    }
}
