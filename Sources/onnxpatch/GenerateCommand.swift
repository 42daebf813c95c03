import ArgumentParser
import Foundation
import ONNXPatch

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate tokens from a causal LM, with patches applied at every step.",
        discussion: """
            The prompt is --prompt TEXT with --tokenizer FILE, or --input input_ids=FILE (shape [1, n]). \
            Exports without a cache run the whole sequence at every step; exports with \
            past_key_values.N.key/value inputs and present.N.key/value outputs run the prompt once and \
            then one token per step, feeding the cache back (--recompute: the whole sequence every step).
            """)

    @Argument(help: "The .onnx file (a causal LM with input_ids and logits).")
    var model: String

    @OptionGroup var prompt: PromptOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var patch: PatchOptions

    @Option(name: .customLong("max-new-tokens"), help: "Tokens to generate at most.")
    var maxNewTokens: Int

    @Option(help: "Sample at this temperature (> 0) instead of greedy decoding.")
    var temperature: Double?

    @Option(name: .customLong("top-k"), help: "Sample among the K highest logits (implies sampling; temperature 1 unless given).")
    var topK: Int?

    @Option(help: "Seed of the sampling generator (default 0); the same seed gives the same tokens.")
    var seed: UInt64?

    @Option(name: .customLong("eos"), help: "Stop after this token (an id, or a token string with --tokenizer); repeatable.")
    var eos: [String] = []

    @Flag(help: "With a KV-cache export: feed an empty cache and the whole sequence at every step.")
    var recompute = false

    @Option(name: .customLong("show-top"), help: "Candidates recorded per step in --json output.")
    var showTop: Int = 5

    @Flag(help: "Print JSON: {\"mode\", \"prompt_ids\", \"ids\", \"tokens\", \"text\", \"stop\", \"steps\": [{\"position\", \"id\", \"token\", \"seconds\", \"top_k\"}], ...}.")
    var json = false

    func decoding() throws -> Decoding {
        if let temperature, !(temperature > 0 && temperature.isFinite) {
            throw CLIError(message: "--temperature must be a positive number, got \(temperature) (omit it for greedy decoding)")
        }
        if let topK, topK < 1 { throw CLIError(message: "--top-k must be at least 1, got \(topK)") }
        guard temperature != nil || topK != nil else {
            if seed != nil { throw CLIError(message: "--seed applies to sampling; add --temperature T or --top-k K") }
            return .greedy
        }
        return .sampling(temperature: temperature ?? 1, topK: topK ?? 0, seed: seed ?? 0)
    }

    func eosIDs(_ tokenizer: Tokenizer?) throws -> [Int] {
        try eos.map { text in
            if let id = Int(text) { return id }
            guard let tokenizer else { throw CLIError(message: "--eos '\(text)': expected a token id (or give --tokenizer to name tokens)") }
            guard let id = tokenizer.id(of: text) else { throw CLIError(message: "--eos '\(text)': no such token in \(tokenizer.source)") }
            return id
        }
    }

    func promptIDs(_ feeds: [String: Tensor]) throws -> [Int] {
        guard let ids = feeds["input_ids"] else {
            throw CLIError(message: "generate needs a prompt: --prompt TEXT --tokenizer FILE, or --input input_ids=FILE")
        }
        if let other = feeds.keys.sorted().first(where: { $0 != "input_ids" && $0 != "attention_mask" }) {
            throw CLIError(message: "--input '\(other)': generate feeds only input_ids (and an all-ones attention_mask); it builds the rest")
        }
        guard ids.rank == 2, ids.shape[0] == 1, ids.dtype.isInteger else {
            throw CLIError(message: "--input input_ids: expected integer ids of shape [1, sequence] (one prompt), got \(ids.dtype)\(ids.shape)", code: 1)
        }
        if let mask = feeds["attention_mask"] {
            guard mask.shape == ids.shape, (try? mask.intValues())?.allSatisfy({ $0 == 1 }) == true else {
                throw CLIError(message: "--input attention_mask: generate takes an unpadded prompt (a mask of ones shaped like input_ids)", code: 1)
            }
        }
        return try ids.intValues()
    }

    func run() throws {
        guard maxNewTokens >= 1 else { throw CLIError(message: "--max-new-tokens must be at least 1, got \(maxNewTokens)") }
        guard showTop >= 0 else { throw CLIError(message: "--show-top must be at least 0, got \(showTop)") }
        let decoding = try decoding()
        let tokenizer = try prompt.loadTokenizer()
        let eos = try eosIDs(tokenizer)
        let feeds = try input.feeds()
        let texts = try patch.texts()
        let patches = try texts.map { try Patch($0) }
        let model = try PatchableGraph(path: self.model)
        let ids: [Int]
        if let text = prompt.prompt, let tokenizer {
            if feeds["input_ids"] != nil { throw CLIError(message: "--input 'input_ids' and --prompt both give 'input_ids'; use one of them") }
            ids = tokenizer.encode(text)
        } else {
            ids = try promptIDs(feeds)
        }
        let options = GenerationOptions(maxNewTokens: maxNewTokens, decoding: decoding, eos: eos, recordTop: showTop,
                                        useCache: !recompute)
        let started = Date()
        var stream = Streamer(prompt: ids, tokenizer: tokenizer, enabled: !json)
        let generation = try model.generate(prompt: ids, patches: patches, options: options) { stream.add($0.id) }
        let seconds = Date().timeIntervalSince(started)
        if json {
            try printJSON(generation, decoding: decoding, tokenizer: tokenizer, patches: texts, seconds: seconds)
            return
        }
        stream.finish()
        let n = generation.ids.count
        let stop = generation.stoppedAt.map { "eos \(tokenLabel($0, tokenizer))" } ?? "max new tokens"
        FileHandle.standardError.write(Data(String(
            format: "generated %d token%@ in %.3f s (%.1f tokens/s, %@ mode); stopped at %@\n",
            n, n == 1 ? "" : "s", seconds, seconds > 0 ? Double(n) / seconds : 0, generation.mode.rawValue, stop).utf8))
    }

    func printJSON(_ generation: Generation, decoding: Decoding, tokenizer: Tokenizer?, patches: [String], seconds: Double) throws {
        struct Candidate: Encodable { var id: Int; var token: String?; var logit: Double; var probability: Double }
        struct Step: Encodable {
            var position: Int
            var id: Int
            var token: String?
            var positions_run: Int
            var seconds: Double
            var top_k: [Candidate]
        }
        struct Settings: Encodable {
            var kind: String
            var temperature: Double?
            var top_k: Int?
            var seed: UInt64?
        }
        struct Report: Encodable {
            var model: String
            var mode: String
            var decoding: Settings
            var patches: [String]
            var prompt_ids: [Int]
            var ids: [Int]
            var tokens: [String]?
            var text: String?
            var stop: String
            var eos: Int?
            var steps: [Step]
            var seconds: Double
        }
        let token = { (id: Int) in tokenizer.map { $0.decode([id]) } }
        var settings = Settings(kind: "greedy")
        if case .sampling(let t, let k, let seed) = decoding {
            settings = Settings(kind: "sampling", temperature: t, top_k: k, seed: seed)
        }
        let report = Report(
            model: model, mode: generation.mode.rawValue, decoding: settings, patches: patches,
            prompt_ids: generation.promptIDs, ids: generation.ids, tokens: tokenizer.map { t in generation.ids.map { t.decode([$0]) } },
            text: tokenizer?.decode(generation.ids), stop: generation.stoppedAt == nil ? "max_new_tokens" : "eos",
            eos: generation.stoppedAt,
            steps: generation.steps.map { s in
                Step(position: s.position, id: s.id, token: token(s.id), positions_run: s.positionsRun, seconds: s.seconds,
                     top_k: s.top.map { Candidate(id: $0.id, token: token($0.id), logit: $0.logit, probability: $0.probability) })
            },
            seconds: seconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}

/// Prints generated text as it comes, starting with the prompt when the first token arrives (so
/// that a failure before generation prints nothing on stdout): with a tokenizer, the decoded text
/// grows by whatever each token completes (held back while it ends in an incomplete UTF-8
/// sequence); without one, the ids.
struct Streamer {
    let prompt: [Int]
    let tokenizer: Tokenizer?
    let enabled: Bool
    var ids: [Int] = []
    var printed = ""

    init(prompt: [Int], tokenizer: Tokenizer?, enabled: Bool) {
        self.prompt = prompt
        self.tokenizer = tokenizer
        self.enabled = enabled
    }

    mutating func add(_ id: Int) {
        guard enabled else { return }
        if ids.isEmpty {
            if let tokenizer {
                printed = tokenizer.decode(prompt)
                write(printed)
            } else {
                write("prompt: " + prompt.map(String.init).joined(separator: " ") + "\ngenerated:")
            }
        }
        ids.append(id)
        guard let tokenizer else {
            write(" \(id)")
            return
        }
        let text = tokenizer.decode(prompt + ids)
        guard !text.hasSuffix("\u{FFFD}"), text.unicodeScalars.starts(with: printed.unicodeScalars) else { return }
        write(String(String.UnicodeScalarView(text.unicodeScalars.dropFirst(printed.unicodeScalars.count))))
        printed = text
    }

    func finish() {
        guard enabled else { return }
        if let tokenizer {
            let text = tokenizer.decode(prompt + ids)
            if text.unicodeScalars.starts(with: printed.unicodeScalars) {
                write(String(String.UnicodeScalarView(text.unicodeScalars.dropFirst(printed.unicodeScalars.count))))
            } else {
                write("\n" + text)
            }
        }
        write("\n")
    }

    func write(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }
}
