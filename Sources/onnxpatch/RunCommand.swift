import ArgumentParser
import Foundation
import ONNXPatch

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model and write its outputs as .npy files with a manifest.json.")

    @Argument(help: "The .onnx file.")
    var model: String

    @Option(name: .customLong("input"), help: "NAME=FILE, FILE a .npy or a TensorProto .pb; once per graph input.")
    var inputs: [String] = []

    @Option(help: "Folder for the outputs and manifest.json (created if missing).")
    var out: String

    @Option(help: "Threads for matrix products and parallel kernels (default: all cores).")
    var threads: Int?

    func run() throws {
        if let threads {
            guard threads >= 1 else { throw CLIError(message: "--threads must be at least 1, got \(threads)") }
            PatchableGraph.setThreads(threads)
        }
        var feeds: [String: Tensor] = [:]
        for argument in inputs {
            let (name, tensor) = try InputFile.parse(argument)
            guard feeds[name] == nil else { throw CLIError(message: "--input '\(name)' is given twice") }
            feeds[name] = tensor
        }
        let model = try PatchableGraph(path: self.model)
        let started = Date()
        let outputs = try model.run(feeds)
        let seconds = Date().timeIntervalSince(started)
        let manifest = try OutputWriter.write(
            outputs: outputs, to: out, modelPath: self.model, modelSHA256: try SHA256.hex(ofFile: self.model))
        print("ran \(self.model) in \(String(format: "%.3f", seconds)) s; wrote \(manifest.outputs.count) output\(manifest.outputs.count == 1 ? "" : "s") to \(out)/")
        for (name, tensor) in outputs {
            print("  \(name)  \(tensor.dtype)\(tensor.shape)  -> \(manifest.outputs[name]?.file ?? "")")
        }
    }
}
