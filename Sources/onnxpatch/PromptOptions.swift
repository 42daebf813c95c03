import ArgumentParser
import Foundation
import ONNXPatch

/// `--prompt TEXT --tokenizer FILE`, shared by the commands that take token ids: the text is
/// encoded into `input_ids` (plus `attention_mask`, `position_ids` and an empty KV cache when the
/// graph has them). With `--tokenizer` alone, commands show decoded tokens next to ids.
struct PromptOptions: ParsableArguments {
    @Option(help: "Text encoded with --tokenizer into input_ids (and attention_mask / position_ids when the graph has them).")
    var prompt: String?

    @Option(help: "A Hugging Face tokenizer.json (byte-level or SentencePiece-style BPE), for --prompt and to show tokens.")
    var tokenizer: String?

    /// The tokenizer, when given; its load errors are run errors (exit 1).
    func loadTokenizer() throws -> Tokenizer? {
        guard let tokenizer else {
            if prompt != nil { throw CLIError(message: "--prompt needs --tokenizer FILE (a tokenizer.json)") }
            return nil
        }
        do {
            return try Tokenizer(path: tokenizer)
        } catch {
            throw CLIError(message: error.description, code: 1)
        }
    }

    /// `feeds` with the prompt's feeds added; a feed given both ways is refused.
    func merged(
        into feeds: [String: Tensor], model: PatchableGraph, tokenizer: Tokenizer?, flag: String = "--input"
    ) throws -> [String: Tensor] {
        guard let prompt, let tokenizer else { return feeds }
        let encoded = try model.promptFeeds(prompt, tokenizer: tokenizer)
        var result = feeds
        for (name, tensor) in encoded {
            guard feeds[name] == nil else {
                throw CLIError(message: "\(flag) '\(name)' and the prompt both give '\(name)'; use one of them")
            }
            result[name] = tensor
        }
        return result
    }
}

extension PromptOptions {
    /// `feeds` with the feeds of `prompt` encoded by the tokenizer at `path`, for commands with
    /// their own prompt flags (sweep's `--clean-prompt` and `--corrupt-prompt`).
    static func merge(
        _ prompt: String?, into feeds: [String: Tensor], flag: String, tokenizer path: String?, model: PatchableGraph
    ) throws -> [String: Tensor] {
        guard let prompt else { return feeds }
        var options = PromptOptions()
        options.prompt = prompt
        options.tokenizer = path
        return try options.merged(into: feeds, model: model, tokenizer: options.loadTokenizer(), flag: flag)
    }
}

/// How a token id is shown when a tokenizer is at hand: `464 'The'`.
func tokenLabel(_ id: Int, _ tokenizer: Tokenizer?) -> String {
    guard let tokenizer else { return "\(id)" }
    return "\(id) \(quotedToken(tokenizer.displayText(id)))"
}

/// A token's text quoted with control characters visible (`'\n'`, `' the'`).
func quotedToken(_ text: String) -> String {
    "'" + text.unicodeScalars.map { s -> String in
        switch s {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case "'": return "\\'"
        default: return s.value < 0x20 || s.value == 0x7F ? s.escaped(asASCII: true) : String(s)
        }
    }.joined() + "'"
}
