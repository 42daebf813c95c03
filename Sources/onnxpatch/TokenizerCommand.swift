import ArgumentParser
import Foundation
import ONNXPatch

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode text to token ids, or decode ids to text, with a tokenizer.json.")

    @Argument(help: "The text to encode (omit with --decode).")
    var text: String?

    @Option(help: "A Hugging Face tokenizer.json (byte-level or SentencePiece-style BPE).")
    var tokenizer: String

    @Option(parsing: .upToNextOption, help: "Decode these ids instead of encoding text.")
    var decode: [Int] = []

    @Flag(name: .customLong("no-special-tokens"), help: "Encode without the post-processor's special tokens (e.g. BOS).")
    var noSpecialTokens = false

    @Flag(name: .customLong("skip-special-tokens"), help: "Decode without special added tokens.")
    var skipSpecialTokens = false

    @Flag(help: "Print JSON: {\"ids\", \"tokens\", \"text\"}.")
    var json = false

    func run() throws {
        guard (text == nil) != decode.isEmpty else {
            throw CLIError(message: "give either TEXT to encode or --decode ID... to decode")
        }
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(path: self.tokenizer)
        } catch {
            throw CLIError(message: error.description, code: 1)
        }
        let ids: [Int]
        if let text {
            ids = tokenizer.encode(text, addSpecialTokens: !noSpecialTokens)
        } else {
            let size = tokenizer.vocabularySize
            if let bad = decode.first(where: { $0 < 0 || tokenizer.token($0) == nil }) {
                throw CLIError(message: "--decode: id \(bad) is not in \(self.tokenizer) (ids 0..<\(size))", code: 1)
            }
            ids = decode
        }
        let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        let tokens = ids.map { tokenizer.decode([$0]) }
        if json {
            struct Report: Encodable { var ids: [Int]; var tokens: [String]; var text: String }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Report(ids: ids, tokens: tokens, text: text)), as: UTF8.self))
            return
        }
        if self.text != nil {
            print(ids.map(String.init).joined(separator: " "))
            print(ids.map { tokenLabel($0, tokenizer) }.joined(separator: "  "))
        } else {
            print(text)
        }
    }
}
