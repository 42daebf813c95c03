import ArgumentParser
import Foundation
import ONNXPatch

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a model's inputs, outputs and nodes (a tree by scope, or JSON).")

    @Argument(help: "The .onnx file.")
    var model: String

    @Flag(help: "Print JSON: {\"inputs\", \"outputs\", \"nodes\": [{name, op, domain, inputs, outputs, scope}]}.")
    var json = false

    @Option(help: "Only nodes whose name or scope path matches this glob (* and ?).")
    var filter: String?

    func run() throws {
        let model = try PatchableGraph(path: self.model)
        let glob = filter.map(Glob.init)
        let nodes = model.graph.nodes.filter { node in glob.map { node.matches($0) } ?? true }
        if json {
            print(try InspectPrinter.json(model.graph, nodes: nodes))
        } else {
            print(InspectPrinter.text(model, nodes: nodes), terminator: "")
        }
    }
}
