import ArgumentParser
import Foundation
import ONNXPatch

/// `--patch SPEC…` and `--patches FILE.json`, shared by `run`, `diff` and `inspect`.
struct PatchOptions: ParsableArguments {
    @Option(name: .customLong("patch"), help: "TARGET[INDEX]=KIND[:ARG], KIND zero|add|mul|replace|probe; repeatable, applied in order.")
    var specs: [String] = []

    @Option(name: .customLong("patches"), help: "A JSON file holding a list of patch specs (applied before --patch ones).")
    var file: String?

    /// Every spec, file first, as given.
    func texts() throws -> [String] {
        guard let file else { return specs }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CLIError(message: "--patches \(file): cannot read file (\(error.localizedDescription))", code: 1)
        }
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw CLIError(message: "--patches \(file): expected a JSON list of patch spec strings", code: 1)
        }
        let strings = list.compactMap { $0 as? String }
        guard strings.count == list.count else {
            throw CLIError(message: "--patches \(file): every entry of the list must be a string such as \"node[0]=zero\"", code: 1)
        }
        return strings + specs
    }

    func patches() throws -> [Patch] {
        try texts().map { try Patch($0) }
    }
}

/// `--input NAME=FILE…`, shared by every command that runs a model.
struct InputOptions: ParsableArguments {
    @Option(name: .customLong("input"), help: "NAME=FILE, FILE a .npy or a TensorProto .pb; once per graph input.")
    var inputs: [String] = []

    @Option(help: "Threads for matrix products and parallel kernels (default: all cores).")
    var threads: Int?

    func feeds() throws -> [String: Tensor] {
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
        return feeds
    }
}
