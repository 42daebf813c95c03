import ArgumentParser
import Foundation
import ONNXPatch

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Run a model unpatched and patched, and report how each output changed.")

    @Argument(help: "The .onnx file.")
    var model: String

    @OptionGroup var input: InputOptions
    @OptionGroup var patch: PatchOptions
    @OptionGroup var prompt: PromptOptions

    @Option(help: "Position (on axis 1, negative from the end) where logits' top-k are shown.")
    var position: Int = -1

    @Option(name: .customLong("top-k"), help: "Tokens shown before and after for logits outputs.")
    var topK: Int = 5

    @Flag(help: "Print JSON: {\"patches\": [...], \"outputs\": [{name, shape, max_abs_diff, mean_abs_diff, relative_l2, cosine_similarity, top_k}]}.")
    var json = false

    func run() throws {
        guard topK >= 1 else { throw CLIError(message: "--top-k must be at least 1, got \(topK)") }
        var feeds = try input.feeds()
        let texts = try patch.texts()
        guard !texts.isEmpty else { throw CLIError(message: "diff needs at least one --patch or --patches") }
        let patches = try texts.map { try Patch($0) }
        let tokenizer = try prompt.loadTokenizer()
        let model = try PatchableGraph(path: self.model)
        feeds = try prompt.merged(into: feeds, model: model, tokenizer: tokenizer)
        let patched = try model.run(feeds, patches: patches)
        let baseline = try model.run(feeds, patches: [])
        var diffs: [OutputDiff] = []
        for (name, tensor) in baseline.outputs {
            guard let after = patched[output: name] else { continue }
            diffs.append(try OutputDiff.compare(name: name, baseline: tensor, patched: after, topK: topK, position: position))
        }
        if json {
            struct Report: Encodable { var patches: [String]; var outputs: [OutputDiff]; var tokens: [String: String]? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            // With a tokenizer, the text of every id shown in top-k, keyed by id.
            let tokens = tokenizer.map { t in
                Dictionary(diffs.flatMap { ($0.topK?.before ?? []) + ($0.topK?.after ?? []) }.map { ("\($0.id)", t.decode([$0.id])) },
                           uniquingKeysWith: { a, _ in a })
            }
            print(String(decoding: try encoder.encode(Report(patches: texts, outputs: diffs, tokens: tokens)), as: UTF8.self))
            return
        }
        print("patches: " + texts.joined(separator: "  "))
        for d in diffs {
            print("\(d.name) \(d.shape): max |Δ| \(fmt(d.maxAbsDiff)), mean |Δ| \(fmt(d.meanAbsDiff)), "
                  + "relative L2 \(fmt(d.relativeL2)), cosine \(fmt(d.cosineSimilarity))")
            guard let top = d.topK else { continue }
            print("  top-\(top.before.count) at position \(top.position) (batch 0):    before                after")
            let width = tokenizer == nil ? 22 : 36
            for (b, a) in zip(top.before, top.after) {
                print("    " + pad("\(tokenLabel(b.id, tokenizer)) p=\(String(format: "%.4f", b.probability))", width)
                      + "  " + "\(tokenLabel(a.id, tokenizer)) p=\(String(format: "%.4f", a.probability))")
            }
        }
    }

    func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
