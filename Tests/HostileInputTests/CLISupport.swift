import Foundation
import Testing

/// Paths into the repository, found from this file's location (tests need no working directory).
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Fixtures")
    static let hostile = fixtures.appendingPathComponent("hostile")
    static let importFixtures = fixtures.appendingPathComponent("import")
    static let gpt2 = fixtures.appendingPathComponent("models/gpt2-dynamo")

    static func hostile(_ relative: String) -> String { hostile.appendingPathComponent(relative).path }
    static func imported(_ relative: String) -> String { importFixtures.appendingPathComponent(relative).path }

    /// The `onnxpatch` binary built beside this test bundle (or `ONNXPATCH_BIN`).
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["ONNXPATCH_BIN"] {
            return URL(fileURLWithPath: explicit)
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("onnxpatch")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/onnxpatch")
    }
}

/// How a run of the `onnxpatch` binary ended and what it printed.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    /// True when a signal, not `exit`, ended the process.
    var signaled: Bool
    /// True when the run outlived its time limit and was killed.
    var timedOut: Bool
    var stdout: String
    var stderr: String

    var description: String {
        "status \(status)\(signaled ? " (signal)" : "")\(timedOut ? " (timed out)" : ""), stderr: \(stderr)"
    }
}

/// Runs `onnxpatch arguments`, killing it after `timeout` seconds (a hang is a failure too).
func onnxpatch(_ arguments: [String], timeout: TimeInterval = 120) throws -> CLIResult {
    let process = Process()
    process.executableURL = Repo.binary
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    // A crash must show as a signal, quickly: no backtrace printer in between.
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let killed = KillSwitch()
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [process] in killed.fire(process) }
    // Read both pipes before waiting, so a large output cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let timedOut = killed.disarm()
    return CLIResult(
        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
        timedOut: timedOut, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

/// Terminates a process once, unless disarmed first; remembers whether it fired.
final class KillSwitch: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var armed = true
    private var fired = false

    func fire(_ process: Process) {
        lock.lock()
        defer { lock.unlock() }
        guard armed, process.isRunning else { return }
        fired = true
        process.terminate()
    }

    /// Stops a later `fire`; returns whether it already happened.
    func disarm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        armed = false
        return fired
    }
}

/// Expects a failure with exit `status`, no signal, and exactly one line `error: …` on stderr
/// holding every one of `fragments` (the culprit: file, node, tensor, key, spec or flag).
func expectFailure(
    _ result: CLIResult, status: Int32, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(!result.signaled && !result.timedOut, "killed by a signal: \(result)", sourceLocation: sourceLocation)
    #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: "), "\(result)", sourceLocation: sourceLocation)
    #expect(
        result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2
            && result.stderr.hasSuffix("\n"),
        "not exactly one line: \(result)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(result.stderr.contains(fragment), "'\(fragment)' missing: \(result)", sourceLocation: sourceLocation)
    }
}

/// Expects a clean success: status 0, no signal, nothing on stderr.
func expectSuccess(_ result: CLIResult, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.signaled && result.status == 0 && result.stderr.isEmpty, "\(result)", sourceLocation: sourceLocation)
}

/// A fresh folder, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("onnxpatch-hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `bytes` to `name` in `dir` and returns the path.
func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url.path
}

/// The bytes of a file.
func bytes(_ path: String) throws -> [UInt8] {
    try Array(Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A small deterministic generator (SplitMix64), so every mutant is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
