/// The `added_tokens` of a tokenizer.json: tokens matched in the text before anything else
/// (special tokens such as `<|endoftext|>` and ordinary added tokens), as `tokenizers`'
/// `AddedVocabulary::extract_and_normalize` does: tokens with `normalized: false` are found in
/// the raw text; each stretch between them is normalized, then tokens with `normalized: true` are
/// found in the normalized text. Matching is leftmost-longest; `single_word`, `lstrip` and
/// `rstrip` hold as in `tokenizers`.
struct AddedVocabulary: Sendable {
    struct Token: Sendable {
        var id: Int
        var content: [Unicode.Scalar]
        var singleWord: Bool
        var lstrip: Bool
        var rstrip: Bool
        var normalized: Bool
        var special: Bool
    }

    var tokens: [Token] = []
    var byID: [Int: Token] = [:]
    var specialContents: Set<[Unicode.Scalar]> = []
    /// Patterns for the raw text and for the normalized text, longest first.
    private var raw: [(pattern: [Unicode.Scalar], token: Token)] = []
    private var normalizedPatterns: [(pattern: [Unicode.Scalar], token: Token)] = []

    init(_ list: [JSONObject], normalizer: Normalizer?) throws(TokenizerError) {
        for json in list {
            let content = try json.string("content")
            guard !content.isEmpty else { throw json.malformed("content", "an added token cannot be empty") }
            let token = Token(
                id: try json.int("id"), content: Array(content.unicodeScalars),
                singleWord: try json.bool("single_word", default: false), lstrip: try json.bool("lstrip", default: false),
                rstrip: try json.bool("rstrip", default: false), normalized: try json.bool("normalized", default: true),
                special: try json.bool("special", default: false))
            tokens.append(token)
            byID[token.id] = token
            if token.special { specialContents.insert(token.content) }
            if token.normalized {
                let pattern = normalizer.map { $0(token.content) } ?? token.content
                if !pattern.isEmpty { normalizedPatterns.append((pattern, token)) }
            } else {
                raw.append((token.content, token))
            }
        }
        // Longest first, so the first pattern found at a position is the leftmost-longest match.
        raw.sort { $0.pattern.count > $1.pattern.count }
        normalizedPatterns.sort { $0.pattern.count > $1.pattern.count }
    }

    /// A stretch of the input: an added token, or normalized text for the pre-tokenizer.
    enum Segment {
        case added(Int)
        case text(Piece)
    }

    func split(_ text: [Unicode.Scalar], normalizer: Normalizer?) -> [Segment] {
        var segments: [Segment] = []
        for (range, id) in Self.find(raw, in: text) {
            if let id {
                segments.append(.added(id))
                continue
            }
            let stretch = Array(text[range])
            let normalized = normalizer.map { $0(stretch) } ?? stretch
            for (inner, innerID) in Self.find(normalizedPatterns, in: normalized) {
                if let innerID {
                    segments.append(.added(innerID))
                } else if !inner.isEmpty {
                    let isFirst = range.lowerBound == 0 && inner.lowerBound == 0
                    segments.append(.text(Piece(scalars: Array(normalized[inner]), isFirst: isFirst)))
                }
            }
        }
        return segments
    }

    /// Cuts `text` into stretches: (range, token id) for matches, (range, nil) between them.
    /// Mirrors `AddedVocabulary::find_matches`, including its whitespace stripping.
    private static func find(_ patterns: [(pattern: [Unicode.Scalar], token: Token)], in text: [Unicode.Scalar]) -> [(Range<Int>, Int?)] {
        if text.isEmpty { return [(0..<0, nil)] }
        var result: [(Range<Int>, Int?)] = []
        var offset = 0
        var i = 0
        while i < text.count, !patterns.isEmpty {
            guard let (pattern, token) = patterns.first(where: { p in
                i + p.pattern.count <= text.count && text[i..<i + p.pattern.count].elementsEqual(p.pattern)
            }) else {
                i += 1
                continue
            }
            var start = i, stop = i + pattern.count
            i = stop
            if token.singleWord {
                let startSpace = start == 0 || !isAlphanumeric(text[start - 1])
                let stopSpace = stop == text.count || !isAlphanumeric(text[stop])
                if !startSpace || !stopSpace { continue }
            }
            if token.lstrip {
                var s = start
                while s > 0, text[s - 1].properties.isWhitespace { s -= 1 }
                start = max(s, offset)
            }
            if token.rstrip {
                while stop < text.count, text[stop].properties.isWhitespace { stop += 1 }
            }
            if offset < start { result.append((offset..<start, nil)) }
            result.append((start..<stop, token.id))
            offset = stop
            i = max(i, stop)
        }
        if offset != text.count { result.append((offset..<text.count, nil)) }
        return result
    }

    /// Rust's `char::is_alphanumeric`: Alphabetic or Numeric (Nd, Nl, No).
    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || PreTokenizer.isNumeric(c)
    }
}
