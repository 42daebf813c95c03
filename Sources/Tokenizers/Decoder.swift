/// The `decoder` of a tokenizer.json: token strings → text. Each decoder maps a list of tokens to
/// a list of tokens (`decode_chain` in `tokenizers`); the text is their concatenation.
indirect enum Decoder: Sendable {
    case sequence([Decoder])
    case byteLevel
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case replace(TextPattern, with: String)
    case metaspace(replacement: Unicode.Scalar, prepend: PreTokenizer.PrependScheme)

    static let supported = ["Sequence", "ByteLevel", "ByteFallback", "Fuse", "Strip", "Replace", "Metaspace"]

    init(_ json: JSONObject) throws(TokenizerError) {
        let type = try json.type()
        switch type {
        case "Sequence":
            self = .sequence(try json.objects("decoders").map { (o) throws(TokenizerError) in try Decoder(o) })
        case "ByteLevel": self = .byteLevel
        case "ByteFallback": self = .byteFallback
        case "Fuse": self = .fuse
        case "Strip":
            let content = try json.string("content")
            guard content.unicodeScalars.count == 1, let scalar = content.unicodeScalars.first else {
                throw json.malformed("content", "expected one character, got '\(content)'")
            }
            self = .strip(content: scalar, start: try json.int("start"), stop: try json.int("stop"))
        case "Replace":
            self = .replace(try TextPattern(json.object("pattern")), with: try json.string("content"))
        case "Metaspace":
            var scheme = PreTokenizer.PrependScheme.always
            if let name = try json.optionalString("prepend_scheme") {
                guard let s = PreTokenizer.PrependScheme(rawValue: name) else {
                    throw json.malformed("prepend_scheme", "expected always, never or first, got '\(name)'")
                }
                scheme = s
            } else if !(try json.bool("add_prefix_space", default: true)) {
                scheme = .never
            }
            self = .metaspace(replacement: try PreTokenizer.replacement(json), prepend: scheme)
        default:
            throw json.unsupported("decoder", type, supported: Self.supported)
        }
    }

    func callAsFunction(_ tokens: [String]) -> [String] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(tokens) { $1($0) }
        case .byteLevel:
            // All tokens' bytes together, then lossy UTF-8 (U+FFFD per maximal invalid subsequence).
            let bytes = tokens.flatMap(ByteLevel.bytes(of:))
            return [String(decoding: bytes, as: UTF8.self)]
        case .byteFallback:
            var result: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let text = String(validating: pending, as: UTF8.self) {
                    result.append(text)
                } else {
                    // As `tokenizers`: one replacement character per byte when the run is not UTF-8.
                    result += Array(repeating: "\u{FFFD}", count: pending.count)
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Self.byteValue(token) {
                    pending.append(byte)
                } else {
                    flush()
                    result.append(token)
                }
            }
            flush()
            return result
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var lower = 0
                while lower < min(start, scalars.count), scalars[lower] == content { lower += 1 }
                var upper = scalars.count
                var removed = 0
                while removed < stop, upper > lower, scalars[upper - 1] == content {
                    upper -= 1
                    removed += 1
                }
                return Normalizer.string(Array(scalars[lower..<upper]))
            }
        case .replace(let pattern, let content):
            let replacement = Array(content.unicodeScalars)
            return tokens.map { Normalizer.string(pattern.replacingAll(in: Array($0.unicodeScalars), with: replacement)) }
        case .metaspace(let replacement, let prepend):
            return tokens.enumerated().map { i, token in
                var scalars = String.UnicodeScalarView()
                for c in token.unicodeScalars {
                    if c == replacement {
                        // The first token loses its replacement characters: the prepended space.
                        if i == 0 && prepend != .never { continue }
                        scalars.append(" ")
                    } else {
                        scalars.append(c)
                    }
                }
                return String(scalars)
            }
        }
    }

    var hasByteLevel: Bool {
        switch self {
        case .byteLevel: true
        case .sequence(let steps): steps.contains { $0.hasByteLevel }
        default: false
        }
    }

    /// The byte of a `<0xNN>` token.
    static func byteValue(_ token: String) -> UInt8? {
        let s = Array(token.utf8)
        guard s.count == 6, s[0] == UInt8(ascii: "<"), s[1] == UInt8(ascii: "0"), s[2] == UInt8(ascii: "x"),
              s[5] == UInt8(ascii: ">")
        else { return nil }
        return UInt8(String(decoding: s[3..<5], as: UTF8.self), radix: 16)
    }
}
