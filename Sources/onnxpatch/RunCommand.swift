import ArgumentParser
import Foundation
import ONNXPatch

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model, optionally patched, and write its outputs and probes as .npy files with a manifest.json.")

    @Argument(help: "The .onnx file.")
    var model: String

    @OptionGroup var input: InputOptions
    @OptionGroup var patch: PatchOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var limits: LimitOptions

    @Option(name: .customLong("probe"), help: "Record the final value of TARGET (node, node:k, value or glob); repeatable.")
    var probes: [String] = []

    @Option(help: "Folder for the outputs, probes and manifest.json (created if missing).")
    var out: String

    func run() throws {
        // The model's hash goes in the manifest; it takes about as long as loading and running
        // the model, so it runs beside them.
        let hash = BackgroundHash(path: self.model, yielding: true)
        var feeds = try input.feeds()
        let texts = try patch.texts()
        let patches = try texts.map { try Patch($0) }
        let tokenizer = try prompt.loadTokenizer()
        let model = try PatchableGraph(path: self.model, options: limits.importOptions())
        feeds = try prompt.merged(into: feeds, model: model, tokenizer: tokenizer)
        let started = Date()
        let result = try model.run(feeds, patches: patches, probes: probes)
        let seconds = Date().timeIntervalSince(started)
        let manifest = try OutputWriter.write(
            result, to: out, modelPath: self.model, modelSHA256: hash.value, patches: texts)
        let n = manifest.outputs.count, p = manifest.probes.count
        print("ran \(self.model) in \(String(format: "%.3f", seconds)) s with \(patches.count) patch\(patches.count == 1 ? "" : "es"); "
              + "wrote \(n) output\(n == 1 ? "" : "s") and \(p) probe\(p == 1 ? "" : "s") to \(out)/")
        for (name, tensor) in result.outputs {
            print("  output \(name)  \(tensor.dtype)\(tensor.shape)  -> \(manifest.outputs[name]?.file ?? "")")
        }
        for (key, tensor) in result.probes {
            print("  probe \(key)  \(tensor.dtype)\(tensor.shape)  -> \(manifest.probes[key]?.file ?? "")")
        }
    }
}
