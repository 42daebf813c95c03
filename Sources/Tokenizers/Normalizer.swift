import Foundation

/// The `normalizer` of a tokenizer.json: text → text before pre-tokenization, applied to each
/// stretch of input between added tokens (so `Prepend` prepends to each stretch, as in
/// `tokenizers`). Only the resulting text matters for ids; offsets are not tracked.
indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    case nfc, nfd, nfkc, nfkd
    case prepend(String)
    case replace(TextPattern, with: String)
    case lowercase
    case strip(left: Bool, right: Bool)

    static let supported = ["Sequence", "NFC", "NFD", "NFKC", "NFKD", "Prepend", "Replace", "Lowercase", "Strip"]

    init(_ json: JSONObject) throws(TokenizerError) {
        let type = try json.type()
        switch type {
        case "Sequence":
            self = .sequence(try json.objects("normalizers").map { (o) throws(TokenizerError) in try Normalizer(o) })
        case "NFC": self = .nfc
        case "NFD": self = .nfd
        case "NFKC": self = .nfkc
        case "NFKD": self = .nfkd
        case "Prepend": self = .prepend(try json.string("prepend"))
        case "Replace":
            self = .replace(try TextPattern(json.object("pattern")), with: try json.string("content"))
        case "Lowercase": self = .lowercase
        case "Strip":
            self = .strip(left: try json.bool("strip_left", default: true), right: try json.bool("strip_right", default: true))
        default:
            throw json.unsupported("normalizer", type, supported: Self.supported)
        }
    }

    func callAsFunction(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(text) { $1($0) }
        case .nfc: return Array(Self.string(text).precomposedStringWithCanonicalMapping.unicodeScalars)
        case .nfd: return Array(Self.string(text).decomposedStringWithCanonicalMapping.unicodeScalars)
        case .nfkc: return Array(Self.string(text).precomposedStringWithCompatibilityMapping.unicodeScalars)
        case .nfkd: return Array(Self.string(text).decomposedStringWithCompatibilityMapping.unicodeScalars)
        case .prepend(let prefix):
            return text.isEmpty ? text : Array(prefix.unicodeScalars) + text
        case .replace(let pattern, let content):
            return pattern.replacingAll(in: text, with: Array(content.unicodeScalars))
        case .lowercase:
            return Array(Self.string(text).lowercased().unicodeScalars)
        case .strip(let left, let right):
            var lower = 0, upper = text.count
            if left { while lower < upper, text[lower].properties.isWhitespace { lower += 1 } }
            if right { while upper > lower, text[upper - 1].properties.isWhitespace { upper -= 1 } }
            return Array(text[lower..<upper])
        }
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var s = String()
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }
}

/// A `pattern` field: `{"String": "…"}` (literal) or `{"Regex": "…"}` (Oniguruma syntax).
enum TextPattern: Sendable {
    case literal([Unicode.Scalar])
    case regex(TokenRegex)

    init(_ json: JSONObject) throws(TokenizerError) {
        if let literal = try json.optionalString("String") {
            guard !literal.isEmpty else { throw json.malformed("String", "an empty pattern matches nothing useful") }
            self = .literal(Array(literal.unicodeScalars))
        } else if let source = try json.optionalString("Regex") {
            do {
                self = .regex(try TokenRegex(source))
            } catch {
                throw .unsupportedSetting(source: json.source, at: json.at("Regex"), reason: error.description)
            }
        } else {
            throw .malformed(source: json.source, at: json.path, reason: "expected {\"String\": …} or {\"Regex\": …}")
        }
    }

    /// Non-overlapping matches, left to right.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        switch self {
        case .regex(let regex):
            return regex.matches(in: text)
        case .literal(let needle):
            var result: [Range<Int>] = []
            var i = 0
            while i + needle.count <= text.count {
                if text[i..<i + needle.count].elementsEqual(needle) {
                    result.append(i..<i + needle.count)
                    i += needle.count
                } else {
                    i += 1
                }
            }
            return result
        }
    }

    func replacingAll(in text: [Unicode.Scalar], with content: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var last = 0
        for range in matches(in: text) {
            result += text[last..<range.lowerBound]
            result += content
            last = range.upperBound
        }
        result += text[last...]
        return result
    }
}
