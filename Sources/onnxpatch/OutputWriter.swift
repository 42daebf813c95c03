import Foundation
import ONNXPatch

/// Writes `run` results: one `.npy` per output and `manifest.json`, written last, so a folder
/// with a manifest is complete. On failure (including a model hash that fails) the files
/// written so far are removed.
enum OutputWriter {
    struct Entry: Encodable {
        var file: String
        var dtype: String
        var shape: [Int]
    }

    struct ModelEntry: Encodable {
        var path: String
        var sha256: String
    }

    struct Manifest: Encodable {
        var model: ModelEntry
        var outputs: [String: Entry]
        var probes: [String: Entry]
        var patches: [String]
    }

    /// A file name for a tensor name: unsafe characters become `_`, repeats get `_2`, `_3`….
    static func fileName(for name: String, taken: inout Set<String>) -> String {
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        let base = safe.isEmpty || safe.hasPrefix(".") ? "_" + safe : safe
        var candidate = base + ".npy"
        var k = 2
        while taken.contains(candidate.lowercased()) || candidate == "manifest.json" {
            candidate = "\(base)_\(k).npy"
            k += 1
        }
        taken.insert(candidate.lowercased())
        return candidate
    }

    /// Writes the tensors, then asks `modelSHA256` for the hash (which may still be computing
    /// while they are written), then writes the manifest.
    static func write(
        _ result: RunResult, to directory: String, modelPath: String, modelSHA256: () throws -> String,
        patches: [String]
    ) throws -> Manifest {
        for (name, tensor) in result.outputs + result.probes.map({ ($0.key, $0.tensor) }) where tensor.dtype == .bfloat16 {
            throw CLIError(message: "'\(name)' is bfloat16, which .npy cannot hold", code: 1)
        }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIError(message: "--out \(directory): cannot create folder (\(error.localizedDescription))", code: 1)
        }
        let manifestPath = directory + "/manifest.json"
        try? fm.removeItem(atPath: manifestPath)
        var taken: Set<String> = []
        var written: [String] = []
        var manifest = Manifest(model: ModelEntry(path: modelPath, sha256: ""), outputs: [:], probes: [:], patches: patches)
        do {
            func save(_ name: String, _ tensor: Tensor, prefix: String) throws -> Entry {
                let file = fileName(for: prefix + name, taken: &taken)
                try NPY.write(tensor, path: directory + "/" + file)
                written.append(directory + "/" + file)
                return Entry(file: file, dtype: tensor.dtype.name, shape: tensor.shape)
            }
            for (name, tensor) in result.outputs { manifest.outputs[name] = try save(name, tensor, prefix: "") }
            for (key, tensor) in result.probes { manifest.probes[key] = try save(key, tensor, prefix: "probe-") }
            manifest.model.sha256 = try modelSHA256()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: manifestPath), options: .atomic)
        } catch {
            for path in written { try? fm.removeItem(atPath: path) }
            if let error = error as? TensorError { throw CLIError(message: error.description, code: 1) }
            if let error = error as? ONNXPatchError { throw CLIError(message: error.description, code: 1) }
            if let error = error as? CLIError { throw error }
            throw CLIError(message: "\(manifestPath): cannot write (\(error.localizedDescription))", code: 1)
        }
        return manifest
    }
}
