import Foundation

/// Runs the built `onnxpatch` binary and captures what it printed and how it ended.
struct CLIResult {
    var status: Int32
    /// True when a signal, not `exit`, ended the process.
    var signaled: Bool
    var stdout: String
    var stderr: String
}

func onnxpatch(_ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = Repo.binary
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a large output cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                     stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("onnxpatch-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
