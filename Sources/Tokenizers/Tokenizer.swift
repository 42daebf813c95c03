import Foundation

/// A Hugging Face `tokenizer.json` of the BPE families transformer exports use — byte-level
/// (GPT-2, GPT-NeoX, Qwen2, Llama 3) and SentencePiece-style (Llama 2: `▁` for spaces, `<0xNN>`
/// byte fallback) — encoding and decoding exactly as the `tokenizers` package does.
///
/// The pipeline, as in `tokenizers`: added tokens are cut out of the text; each stretch between
/// them is normalized, pre-tokenized into words and each word BPE-encoded; the post-processor adds
/// special tokens (e.g. a BOS). Decoding maps ids to token strings and runs the decoder.
/// Components of other kinds (a `WordPiece` or `Unigram` model, a `BertNormalizer`…) are refused
/// when the file is loaded, with an error naming the component.
///
/// ```swift
/// let tokenizer = try Tokenizer(path: "tokenizer.json")
/// let ids = tokenizer.encode("Hello world")          // e.g. [15496, 995]
/// let text = tokenizer.decode(ids)                    // "Hello world"
/// ```
public struct Tokenizer: Sendable {
    /// Where the tokenizer was read from (for messages).
    public let source: String
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: BPE
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    let added: AddedVocabulary

    /// Reads and checks the tokenizer.json at `path`.
    ///
    /// - Throws: ``TokenizerError`` naming the file and the component that is malformed or not supported.
    public init(path: String) throws(TokenizerError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        try self.init(json: Array(data), source: path)
    }

    /// Parses a tokenizer.json document; `source` names it in errors.
    public init(json bytes: [UInt8], source: String) throws(TokenizerError) {
        self.source = source
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw .malformed(source: source, at: "", reason: error.description)
        }
        let root = try JSONObject(document, path: "", source: source)
        if root.has("truncation") {
            throw .unsupportedSetting(source: source, at: "truncation", reason: "truncation is not supported; set it to null")
        }
        if let padding = try root.optionalObject("padding"), case .object(let strategy)? = padding.fields["strategy"],
           strategy.contains(where: { $0.key == "Fixed" }) {
            throw .unsupportedSetting(source: source, at: "padding.strategy", reason: "fixed-length padding is not supported")
        }
        let model = try root.object("model")
        let modelType = try model.optionalString("type") ?? "BPE"
        guard modelType == "BPE" else {
            throw model.unsupported("model", modelType, supported: ["BPE (byte-level or SentencePiece-style)"])
        }
        self.model = try BPE(model)
        normalizer = try root.optionalObject("normalizer").map { (o) throws(TokenizerError) in try Normalizer(o) }
        preTokenizer = try root.optionalObject("pre_tokenizer").map { (o) throws(TokenizerError) in try PreTokenizer(o) }
        postProcessor = try root.optionalObject("post_processor").map { (o) throws(TokenizerError) in try PostProcessor(o) }
        decoder = try root.optionalObject("decoder").map { (o) throws(TokenizerError) in try Decoder(o) }
        added = try AddedVocabulary(root.has("added_tokens") ? root.objects("added_tokens") : [], normalizer: normalizer)
    }

    /// The number of ids: one more than the largest id of the vocabulary and the added tokens.
    public var vocabularySize: Int {
        max(model.tokens.keys.max() ?? -1, added.byID.keys.max() ?? -1) + 1
    }

    /// The token string of `id` (an added token's content or the vocabulary entry), as stored.
    public func token(_ id: Int) -> String? {
        if let added = added.byID[id] { return Normalizer.string(added.content) }
        return model.tokens[id]
    }

    /// A token's text for people to read: its decoding, or, when that is part of a character
    /// (U+FFFD on its own), its bytes — `\xE6` for byte-level tokens, the `<0xE6>` token itself
    /// for byte fallback.
    public func displayText(_ id: Int) -> String {
        let text = decode([id])
        guard text.unicodeScalars.contains("\u{FFFD}"), let token = token(id), !token.unicodeScalars.contains("\u{FFFD}") else {
            return text
        }
        guard decoder?.hasByteLevel == true else { return token }
        return ByteLevel.bytes(of: token).map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }
            .joined()
    }

    /// The id of a token string (added tokens first), compared scalar by scalar.
    public func id(of token: String) -> Int? {
        let scalars = Array(token.unicodeScalars)
        if let hit = added.tokens.first(where: { $0.content == scalars }) { return hit.id }
        return model.vocab[scalars]
    }

    /// Whether `id`'s token is the content of a special added token (skipped by
    /// `decode(_:skipSpecialTokens:)`; compared by content, as `tokenizers` does).
    public func isSpecial(_ id: Int) -> Bool {
        guard let token = token(id) else { return false }
        return added.specialContents.contains(Array(token.unicodeScalars))
    }

    /// The ids of `text`; with `addSpecialTokens`, the post-processor's tokens (e.g. a BOS) too.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        for segment in added.split(Array(text.unicodeScalars), normalizer: normalizer) {
            switch segment {
            case .added(let id):
                ids.append(id)
            case .text(let piece):
                let words = preTokenizer.map { $0([piece]) } ?? [piece]
                for word in words { ids += model.tokenize(word.scalars) }
            }
        }
        if addSpecialTokens, let postProcessor { ids = postProcessor(ids) }
        return ids
    }

    /// The text of `ids`. Ids the tokenizer does not know are left out, as `tokenizers` does; with
    /// `skipSpecialTokens`, so are special added tokens. Invalid UTF-8 from byte tokens becomes
    /// U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        let tokens = ids.compactMap { id -> String? in
            if skipSpecialTokens && isSpecial(id) { return nil }
            return token(id)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder(tokens).joined()
    }
}
