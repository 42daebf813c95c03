import ArgumentParser
import Foundation
import ONNXPatch

struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "List the supported ONNX operators and the opsets their implementations start at.")

    @Flag(help: "Print JSON: [{\"domain\", \"op\", \"since\": [versions]}].")
    var json = false

    func run() throws {
        let ops = SupportedOps.all
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted]
            print(String(decoding: try encoder.encode(ops), as: UTF8.self))
            return
        }
        for entry in ops {
            print("\(entry.domain) \(entry.op) (since opset \(entry.since.map(String.init).joined(separator: ", ")))")
        }
        print("\(ops.count) operators")
    }
}
