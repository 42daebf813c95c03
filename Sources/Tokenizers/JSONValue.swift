/// A parsed JSON document. Objects keep their members in file order as (key, value) pairs:
/// tokenizer vocabularies are JSON objects whose keys may be canonically equivalent but
/// different strings (`"é"` and `"e\u0301"`), which a Swift `[String: …]` would merge.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// Parses UTF-8 JSON text (RFC 8259), refusing nesting deeper than `maxDepth`.
    static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected text after the JSON value") }
        return value
    }
}

struct JSONParseError: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "not valid JSON at byte \(offset): \(reason)" }
}

private struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var i = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
        guard i < bytes.count else { throw fail("unexpected end of file") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, value: JSONValue)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                i += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard i < bytes.count else { throw fail("unterminated object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                i += 1
                return .object(members)
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw fail("unterminated list") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                i += 1
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default:
            return try number()
        }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("unexpected character") }
        i += w.count
        return value
    }

    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = i
        func digits(_ i: inout Int) -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digits(&i) > 0 else { throw fail("unexpected character") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&i) > 0 else { throw fail("expected digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&i) > 0 else { throw fail("expected digits in the exponent") }
        }
        guard let value = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("bad number") }
        return .number(value)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw fail("bad \\u escape")
        }
        i += 4
        return v
    }

    mutating func string() throws(JSONParseError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if b < 0x20 { throw fail("control character in a string") }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("lone surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate in \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw fail("lone surrogate in \\u escape")
                }
                guard let scalar = Unicode.Scalar(code) else { throw fail("bad \\u escape") }
                UTF8.encode(scalar) { out.append($0) }
            default:
                throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        // Invalid UTF-8 is refused rather than repaired: a repaired token would never match.
        var scalars = String.UnicodeScalarView()
        var iterator = out.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: break loop
            case .error: throw fail("invalid UTF-8 in a string")
            }
        }
        return String(scalars)
    }
}

/// A JSON object with its path in the file, for reading fields with errors that say where.
struct JSONObject {
    let members: [(key: String, value: JSONValue)]
    let fields: [String: JSONValue]
    let path: String
    let source: String

    init(_ value: JSONValue, path: String, source: String) throws(TokenizerError) {
        guard case .object(let members) = value else {
            throw .malformed(source: source, at: path, reason: "expected an object, got \(value.typeName)")
        }
        self.members = members
        var fields: [String: JSONValue] = [:]
        for (key, value) in members { fields[key] = value }
        self.fields = fields
        self.path = path
        self.source = source
    }

    func at(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func malformed(_ key: String, _ reason: String) -> TokenizerError {
        .malformed(source: source, at: at(key), reason: reason)
    }

    func has(_ key: String) -> Bool {
        guard let value = fields[key] else { return false }
        if case .null = value { return false }
        return true
    }

    func string(_ key: String) throws(TokenizerError) -> String {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        guard case .string(let s) = value else { throw malformed(key, "expected a string, got \(value.typeName)") }
        return s
    }

    func optionalString(_ key: String) throws(TokenizerError) -> String? {
        guard has(key) else { return nil }
        return try string(key)
    }

    func bool(_ key: String, default fallback: Bool) throws(TokenizerError) -> Bool {
        guard has(key), let value = fields[key] else { return fallback }
        guard case .bool(let b) = value else { throw malformed(key, "expected true or false, got \(value.typeName)") }
        return b
    }

    func int(_ key: String) throws(TokenizerError) -> Int {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        return try Self.int(value, at: at(key), source: source)
    }

    static func int(_ value: JSONValue, at path: String, source: String) throws(TokenizerError) -> Int {
        guard case .number(let n) = value, n.rounded() == n, n >= 0, n < 1e12 else {
            throw .malformed(source: source, at: path, reason: "expected a non-negative integer, got \(value.typeName)")
        }
        return Int(n)
    }

    func object(_ key: String) throws(TokenizerError) -> JSONObject {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        return try JSONObject(value, path: at(key), source: source)
    }

    func optionalObject(_ key: String) throws(TokenizerError) -> JSONObject? {
        guard has(key) else { return nil }
        return try object(key)
    }

    func array(_ key: String) throws(TokenizerError) -> [JSONValue] {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        guard case .array(let a) = value else { throw malformed(key, "expected a list, got \(value.typeName)") }
        return a
    }

    /// The elements of a list of objects, each with its path (`key[i]`).
    func objects(_ key: String) throws(TokenizerError) -> [JSONObject] {
        var result: [JSONObject] = []
        for (i, value) in try array(key).enumerated() {
            result.append(try JSONObject(value, path: at(key) + "[\(i)]", source: source))
        }
        return result
    }

    func type() throws(TokenizerError) -> String {
        try string("type")
    }

    /// Refuses a component kind that is not in `supported`.
    func unsupported(_ component: String, _ kind: String, supported: [String]) -> TokenizerError {
        .unsupported(source: source, component: path.isEmpty ? component : path, kind: kind, supported: supported)
    }
}
