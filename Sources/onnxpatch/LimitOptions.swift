import ArgumentParser
import ONNXPatch

/// `--max-tensor-bytes`, shared by the commands that load a model from a stranger.
struct LimitOptions: ParsableArguments {
    @Option(
        name: .customLong("max-tensor-bytes"),
        help: "Refuse a model declaring a tensor larger than this many bytes (default 17179869184, 16 GiB).")
    var maxTensorBytes: Int?

    /// The library's import limits with the command line's over them.
    func importOptions() throws -> ImportOptions {
        var options = ImportOptions()
        if let maxTensorBytes {
            guard maxTensorBytes >= 0 else {
                throw CLIError(message: "--max-tensor-bytes must be at least 0, got \(maxTensorBytes)")
            }
            options.maxTensorBytes = maxTensorBytes
        }
        return options
    }
}
