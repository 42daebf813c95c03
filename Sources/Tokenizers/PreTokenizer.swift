/// A stretch of text on its way to the model: after normalization, split by pre-tokenizers.
struct Piece: Sendable {
    var scalars: [Unicode.Scalar]
    /// True when the piece starts at the beginning of the input (Metaspace's `prepend_scheme: first`).
    var isFirst: Bool
}

/// How `Split` treats the pieces a pattern matches (`tokenizers`' `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

    /// Cuts `piece` at `matches` (sorted, non-overlapping), treating matches as `behavior` says;
    /// empty pieces are dropped. Mirrors `NormalizedString::split`.
    func split(_ piece: Piece, at matches: [Range<Int>], invert: Bool = false) -> [Piece] {
        let text = piece.scalars
        // Every stretch of the text, tagged with whether the pattern matched it.
        var stretches: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = 0
        for m in matches {
            if previous != m.lowerBound { stretches.append((previous..<m.lowerBound, invert)) }
            stretches.append((m, !invert))
            previous = m.upperBound
        }
        if previous != text.count || text.isEmpty { stretches.append((previous..<text.count, invert)) }

        var kept: [(range: Range<Int>, remove: Bool)] = []
        switch self {
        case .isolated:
            kept = stretches.map { ($0.range, false) }
        case .removed:
            kept = stretches.map { ($0.range, $0.isMatch) }
        case .contiguous:
            var previousMatch = false
            for s in stretches {
                if s.isMatch == previousMatch, let last = kept.last {
                    kept[kept.count - 1].range = last.range.lowerBound..<s.range.upperBound
                } else {
                    kept.append((s.range, false))
                }
                previousMatch = s.isMatch
            }
        case .mergedWithPrevious:
            var previousMatch = false
            for s in stretches {
                if s.isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1].range = last.range.lowerBound..<s.range.upperBound
                } else {
                    kept.append((s.range, false))
                }
                previousMatch = s.isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for s in stretches.reversed() {
                if s.isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1].range = s.range.lowerBound..<last.range.upperBound
                } else {
                    kept.append((s.range, false))
                }
                previousMatch = s.isMatch
            }
            kept.reverse()
        }
        return kept.compactMap { k in
            guard !k.remove, !k.range.isEmpty else { return nil }
            return Piece(scalars: Array(text[k.range]), isFirst: piece.isFirst && k.range.lowerBound == 0)
        }
    }
}

/// The `pre_tokenizer` of a tokenizer.json: splits each normalized stretch into words, which the
/// model then tokenizes one by one.
indirect enum PreTokenizer: Sendable {
    case sequence([PreTokenizer])
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(TextPattern, SplitBehavior, invert: Bool)
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)
    case digits(individual: Bool)

    enum PrependScheme: String, Sendable {
        case always, never, first
    }

    static let supported = ["Sequence", "ByteLevel", "Split", "Metaspace", "Digits"]

    /// The pattern GPT-2's ByteLevel pre-tokenizer uses when `use_regex` is true.
    static let gpt2Pattern: TokenRegex = {
        do {
            return try TokenRegex(#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)
        } catch {
            preconditionFailure("GPT-2 pattern: \(error)")
        }
    }()

    init(_ json: JSONObject) throws(TokenizerError) {
        let type = try json.type()
        switch type {
        case "Sequence":
            self = .sequence(try json.objects("pretokenizers").map { (o) throws(TokenizerError) in try PreTokenizer(o) })
        case "ByteLevel":
            self = .byteLevel(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                              useRegex: try json.bool("use_regex", default: true))
        case "Split":
            let name = try json.string("behavior")
            guard let behavior = SplitBehavior(rawValue: name) else {
                throw json.malformed("behavior", "unknown split behavior '\(name)'")
            }
            self = .split(try TextPattern(json.object("pattern")), behavior, invert: try json.bool("invert", default: false))
        case "Metaspace":
            let replacement = try Self.replacement(json)
            var scheme = PrependScheme.always
            if let name = try json.optionalString("prepend_scheme") {
                guard let s = PrependScheme(rawValue: name) else {
                    throw json.malformed("prepend_scheme", "expected always, never or first, got '\(name)'")
                }
                scheme = s
            } else if !(try json.bool("add_prefix_space", default: true)) {
                scheme = .never
            }
            self = .metaspace(replacement: replacement, prepend: scheme, split: try json.bool("split", default: true))
        case "Digits":
            self = .digits(individual: try json.bool("individual_digits", default: false))
        default:
            throw json.unsupported("pre_tokenizer", type, supported: Self.supported)
        }
    }

    static func replacement(_ json: JSONObject) throws(TokenizerError) -> Unicode.Scalar {
        let text = try json.string("replacement")
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw json.malformed("replacement", "expected one character, got '\(text)'")
        }
        return scalar
    }

    func callAsFunction(_ pieces: [Piece]) -> [Piece] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(pieces) { $1($0) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            return pieces.flatMap { piece -> [Piece] in
                var piece = piece
                if addPrefixSpace && piece.scalars.first != " " { piece.scalars.insert(" ", at: 0) }
                let words = useRegex ? SplitBehavior.isolated.split(piece, at: Self.gpt2Pattern.matches(in: piece.scalars)) : [piece]
                return words.map { Piece(scalars: ByteLevel.encode($0.scalars), isFirst: $0.isFirst) }
            }
        case .split(let pattern, let behavior, let invert):
            return pieces.flatMap { behavior.split($0, at: pattern.matches(in: $0.scalars), invert: invert) }
        case .metaspace(let replacement, let prepend, let split):
            return pieces.flatMap { piece -> [Piece] in
                var piece = piece
                piece.scalars = piece.scalars.map { $0 == " " ? replacement : $0 }
                let add = prepend == .always || (prepend == .first && piece.isFirst)
                if add && piece.scalars.first != replacement { piece.scalars.insert(replacement, at: 0) }
                guard split else { return [piece] }
                let cuts = piece.scalars.indices.filter { piece.scalars[$0] == replacement }.map { $0..<$0 + 1 }
                return SplitBehavior.mergedWithNext.split(piece, at: cuts)
            }
        case .digits(let individual):
            return pieces.flatMap { piece -> [Piece] in
                let cuts = piece.scalars.indices.filter { Self.isNumeric(piece.scalars[$0]) }.map { $0..<$0 + 1 }
                return (individual ? SplitBehavior.isolated : .contiguous).split(piece, at: cuts)
            }
        }
    }

    /// Rust's `char::is_numeric`: general categories Nd, Nl and No.
    static func isNumeric(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}
