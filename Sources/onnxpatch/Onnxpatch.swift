import ArgumentParser
import Foundation
import ONNXPatch

/// The `onnxpatch` command line. Exit status: 0 success, 1 model or run error, 2 usage error;
/// every failure prints one line `error: …` on stderr.
@main
struct Onnxpatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnxpatch",
        abstract: "Inspect, run, probe and patch ONNX models by node name.",
        subcommands: [InspectCommand.self, RunCommand.self, DiffCommand.self, BenchCommand.self, OpsCommand.self,
                      GenerateCommand.self, TokenizeCommand.self, SweepCommand.self, MergeCommand.self])

    static func main() {
        tuneAllocator()
        // OpenBLAS's kernel choice (which sets and clears OPENBLAS_CORETYPE) before any thread
        // of ours starts and could read the environment.
        _ = PatchableGraph.blasCore
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ONNXPatchError {
            fail(error.description, code: 1)
        } catch let error as CLIError {
            fail(error.message, code: error.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // Argument parsing errors: the first line of the parser's message, as one error line.
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            let trimmed = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            fail(trimmed + " (see 'onnxpatch help')", code: 2)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data(("error: " + oneLine(message) + "\n").utf8))
        Foundation.exit(code)
    }

    /// `message` on one printable line: newlines become spaces, and other control characters
    /// (names and headers read from files may hold any) are escaped, so no file can break the
    /// line or send escape sequences to the terminal.
    static func oneLine(_ message: String) -> String {
        var out = ""
        for scalar in message.unicodeScalars {
            if scalar == "\n" || scalar == "\t" {
                out += " "
            } else if scalar.properties.generalCategory == .control {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A command-line failure that is not the library's: bad flag values, output folders.
struct CLIError: Error {
    var message: String
    var code: Int32 = 2
}

/// Process-wide malloc settings for a forward pass (glibc): activations up to 32 MiB come from
/// the heap instead of fresh mappings, and up to 64 MiB of freed heap stays for the next layer
/// instead of being returned and faulted back in (measured: the first forward of GPT-2 small
/// 8% faster, peak RSS unchanged). A library leaves this to its host process.
private func tuneAllocator() {
    #if os(Linux)
        _ = glibcMallopt(-3, 32 << 20)  // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, 64 << 20)  // M_TRIM_THRESHOLD
    #endif
}

#if os(Linux)
    /// `int mallopt(int, int)` from glibc's <malloc.h>, which the Glibc module does not export.
    @_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
