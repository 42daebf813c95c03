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

    @OptionGroup var patch: PatchOptions
    @OptionGroup var limits: LimitOptions

    func run() throws {
        let model = try PatchableGraph(path: self.model, options: limits.importOptions())
        let patches = try patch.patches()
        // With --patch, show the rewritten graph: the inserted patch nodes and the moved consumers.
        let graph = patches.isEmpty ? model.graph : try model.patchedGraph(patches: patches).graph
        let glob = filter.map(Glob.init)
        let nodes = graph.nodes.filter { node in glob.map { node.matches($0) } ?? true }
        if json {
            print(try InspectPrinter.json(graph, nodes: nodes))
        } else {
            print(InspectPrinter.text(model, graph: graph, nodes: nodes), terminator: "")
        }
    }
}
