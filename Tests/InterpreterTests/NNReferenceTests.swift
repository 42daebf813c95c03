import Foundation
import GraphIR
import Interpreter
import TensorCore
import Testing

/// One case of `Fixtures/nn/cases.json`, written by tools/make-nn-references.py from
/// onnxruntime's outputs.
private struct NNCase: Decodable {
    struct Values: Decodable {
        var dtype: String
        var shape: [Int]
        /// Numbers, or strings for non-finite floats ("nan", "inf", "-inf").
        var values: [Number]

        var tensor: Tensor {
            switch dtype {
            case "int64": return Tensor(shape: shape, scalars: values.map { Int64($0.value) })
            case "bool": return Tensor(shape: shape, scalars: values.map { $0.value != 0 })
            case "uint8": return Tensor(shape: shape, scalars: values.map { UInt8($0.value) })
            case "int8": return Tensor(shape: shape, scalars: values.map { Int8($0.value) })
            case "int32": return Tensor(shape: shape, scalars: values.map { Int32($0.value) })
            default: return Tensor(shape: shape, scalars: values.map { Float($0.value) })
            }
        }
    }

    struct Number: Decodable {
        var value: Double
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                value = number
            } else {
                let text = try container.decode(String.self)
                value = text == "nan" ? .nan : text == "inf" ? .infinity : -.infinity
            }
        }
    }

    struct AttributeValue: Decodable {
        var int: Int?
        var ints: [Int]?
        var float: Float?
        var floats: [Float]?
        var string: String?

        var attribute: Attribute {
            if let int { return .int(int) }
            if let ints { return .ints(ints) }
            if let float { return .float(float) }
            if let floats { return .floats(floats) }
            return .string(string ?? "")
        }
    }

    var op: String
    var opset: Int
    var outputs: Int
    var attributes: [String: AttributeValue]
    var inputs: [Values?]
    var expected: [Values]

    var summary: String {
        let attributeText = attributes.keys.sorted().map { "\($0)=\(attributes[$0]!.attribute)" }.joined(
            separator: " ")
        return "\(op) inputs \(inputs.map { $0.map { "\($0.shape)" } ?? "-" }) \(attributeText)"
    }
}

@Suite("Neural-network ops against onnxruntime references")
struct NNReferenceTests {
    private static let cases: [NNCase] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/nn/cases.json")
        do { return try JSONDecoder().decode([NNCase].self, from: Data(contentsOf: url)) } catch {
            Issue.record("cannot read Fixtures/nn/cases.json: \(error)")
            return []
        }
    }()

    @Test(
        "every case matches onnxruntime's outputs",
        arguments: [
            "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "Resize", "GridSample",
            "Attention", "LRN", "RoiAlign", "Col2Im", "AffineGrid", "CenterCropPad", "GlobalAveragePool",
            "GlobalMaxPool", "ConvInteger", "QLinearConv", "DeformConv",
        ])
    func matches(op: String) throws {
        let cases = Self.cases.filter { $0.op == op }
        #expect(!cases.isEmpty, "no \(op) cases in the fixture")
        for c in cases {
            let attributes = c.attributes.mapValues(\.attribute)
            let outputs = try runOp(
                c.op, c.inputs.map { $0?.tensor }, attributes: attributes, opset: c.opset,
                outputs: c.outputs)
            #expect(outputs.count >= c.expected.count, "\(c.summary)")
            for (k, (got, expected)) in zip(outputs, c.expected).enumerated() {
                #expect(got.shape == expected.shape, "output \(k) of \(c.summary)")
                guard got.shape == expected.shape else { continue }
                if ["int64", "int32", "uint8", "int8"].contains(expected.dtype) {
                    #expect(
                        try got.intValues() == expected.values.map { Int($0.value) },
                        "output \(k) of \(c.summary)")
                } else {
                    let values = got.scalars(as: Float.self)
                    let worst =
                        zip(values, expected.values).map { g, e in
                            (Double(g).isNaN && e.value.isNaN) || Double(g) == e.value
                                ? 0 : abs(Double(g) - e.value) / (1e-4 + 1e-4 * abs(e.value))
                        }.max() ?? 0
                    #expect(worst <= 1, "output \(k) of \(c.summary): off by \(worst) tolerances")
                }
            }
        }
    }
}
