import Foundation
import ONNXPatch

/// Renders a graph for `inspect`: a tree by scope for people, JSON for scripts.
enum InspectPrinter {
    struct ValueEntry: Encodable {
        var name: String
        var dtype: String?
        var shape: [ShapeEntry]?
    }

    enum ShapeEntry: Encodable {
        case size(Int), symbol(String?)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .size(let n): try container.encode(n)
            case .symbol(let s): try container.encode(s)
            }
        }
    }

    struct NodeEntry: Encodable {
        var name, op, domain: String
        var inputs, outputs: [String]
        var scope: String
    }

    struct Document: Encodable {
        var inputs, outputs: [ValueEntry]
        var nodes: [NodeEntry]
    }

    static func json(_ graph: Graph, nodes: [Node]) throws -> String {
        func entry(_ value: ValueID) -> ValueEntry {
            let info = graph[value]
            return ValueEntry(name: info.name, dtype: info.dtype?.name, shape: info.shape?.map { dim in
                switch dim {
                case .known(let n): .size(n)
                case .symbolic(let s): .symbol(s)
                case .unknown: .symbol(nil)
                }
            })
        }
        let document = Document(
            inputs: graph.inputs.map(entry), outputs: graph.outputs.map(entry),
            nodes: nodes.map { node in
                NodeEntry(name: node.name, op: node.opType, domain: node.domainName,
                          inputs: node.inputs.map { $0.map { graph[$0].name } ?? "" },
                          outputs: node.outputs.map { graph[$0].name }, scope: node.scopePath)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    static func describe(_ info: ValueInfo) -> String {
        let dtype = info.dtype?.name ?? "?"
        guard let shape = info.shape else { return dtype }
        return dtype + "[" + shape.map(\.description).joined(separator: ",") + "]"
    }

    static func text(_ model: PatchableGraph, graph: Graph, nodes: [Node]) -> String {
        var out = "\(model.path): \(graph.nodes.count) nodes, \(graph.initializers.count) initializers"
        let opsets = graph.opsetImports.sorted { $0.key < $1.key }
            .map { "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)" }.joined(separator: ", ")
        out += ", opset \(opsets)" + (model.producer.isEmpty ? "" : ", producer \(model.producer)") + "\n"
        out += "inputs:\n" + graph.inputs.map { "  \(graph[$0].name)  \(describe(graph[$0]))\n" }.joined()
        out += "outputs:\n" + graph.outputs.map { "  \(graph[$0].name)  \(describe(graph[$0]))\n" }.joined()
        out += "nodes:\n"
        var open: [String] = []
        for node in nodes {
            var common = 0
            while common < min(open.count, node.scope.count) && open[common] == node.scope[common] { common += 1 }
            open.removeLast(open.count - common)
            for component in node.scope[common...] {
                out += String(repeating: "  ", count: open.count + 1) + component + "/\n"
                open.append(component)
            }
            let ins = node.inputs.map { $0.map { graph[$0].name } ?? "" }.joined(separator: ", ")
            let outs = node.outputs.map { value in
                let info = graph[value]
                return info.dtype == nil && info.shape == nil ? info.name : "\(info.name): \(describe(info))"
            }.joined(separator: ", ")
            let op = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
            out += String(repeating: "  ", count: open.count + 1) + "\(node.name)  \(op)  (\(ins)) -> (\(outs))\n"
        }
        return out
    }
}
