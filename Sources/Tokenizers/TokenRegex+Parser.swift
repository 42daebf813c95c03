/// Parsing of ``TokenRegex`` patterns (Oniguruma syntax, the subset listed on the type) into
/// nodes; anything outside the subset is an error naming the pattern and the offset.
struct RegexParser {
    let s: [Unicode.Scalar]
    let source: String
    var i = 0

    init(_ s: [Unicode.Scalar], source: String) {
        self.s = s
        self.source = source
    }

    func fail(_ reason: String) -> TokenRegex.RegexError {
        TokenRegex.RegexError(pattern: source, reason: reason + " (at offset \(i))")
    }

    mutating func parseAll() throws(TokenRegex.RegexError) -> TokenRegex.Node {
        let node = try alternation(caseless: false)
        if i < s.count { throw fail("unbalanced ')'") }
        return node
    }

    mutating func alternation(caseless: Bool) throws(TokenRegex.RegexError) -> TokenRegex.Node {
        var options = [try sequence(caseless: caseless)]
        while i < s.count, s[i] == "|" {
            i += 1
            options.append(try sequence(caseless: caseless))
        }
        return options.count == 1 ? options[0] : .alternation(options)
    }

    mutating func sequence(caseless: Bool) throws(TokenRegex.RegexError) -> TokenRegex.Node {
        var items: [TokenRegex.Node] = []
        while i < s.count, s[i] != "|", s[i] != ")" {
            let atom = try self.atom(caseless: caseless)
            items.append(try quantified(atom))
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func quantified(_ atom: TokenRegex.Node) throws(TokenRegex.RegexError) -> TokenRegex.Node {
        guard i < s.count else { return atom }
        var min = 0, max: Int?
        switch s[i] {
        case "*": i += 1
        case "+": min = 1; i += 1
        case "?": max = 1; i += 1
        case "{":
            guard let bounds = try braces() else { return atom }
            (min, max) = bounds
        default: return atom
        }
        if case .lookahead = atom { throw fail("a quantifier on a lookahead") }
        var greedy = true
        if i < s.count, s[i] == "?" {
            greedy = false
            i += 1
        } else if i < s.count, s[i] == "+" {
            throw fail("possessive quantifiers are not supported")
        }
        if i < s.count, s[i] == "*" || s[i] == "+" || s[i] == "?" {
            throw fail("nested quantifiers are not supported")
        }
        return .repetition(atom, min: min, max: max, greedy: greedy)
    }

    /// `{n}`, `{n,}`, `{n,m}`, `{,m}`; nil (and nothing consumed) when the brace is a literal.
    mutating func braces() throws(TokenRegex.RegexError) -> (Int, Int?)? {
        var j = i + 1
        func number(_ j: inout Int) -> Int? {
            var value: Int?
            while j < s.count, s[j].value >= 0x30, s[j].value <= 0x39 {
                value = (value ?? 0) * 10 + Int(s[j].value - 0x30)
                if value ?? 0 > 100_000 { return nil }
                j += 1
            }
            return value
        }
        let low = number(&j)
        var high: Int?
        var comma = false
        if j < s.count, s[j] == "," {
            comma = true
            j += 1
            high = number(&j)
        }
        guard j < s.count, s[j] == "}", low != nil || high != nil else { return nil }
        i = j + 1
        let min = low ?? 0
        let max = comma ? high : low
        if let max, max < min { throw fail("quantifier {\(min),\(max)} has max < min") }
        return (min, max)
    }

    mutating func atom(caseless: Bool) throws(TokenRegex.RegexError) -> TokenRegex.Node {
        let c = s[i]
        switch c {
        case "(":
            return try group(caseless: caseless)
        case "[":
            var set = try characterClass()
            set.caseless = caseless
            return .character(set)
        case ".":
            i += 1
            return .character(ScalarSet(items: [.notNewline]))
        case "\\":
            var set = try escape(inClass: false)
            set.caseless = caseless
            return .character(set)
        case "^", "$":
            throw fail("anchor '\(c)' is not supported")
        case "*", "+", "?":
            throw fail("quantifier '\(c)' without anything to repeat")
        default:
            i += 1
            return .character(ScalarSet(items: [.scalar(c)], caseless: caseless))
        }
    }

    mutating func group(caseless: Bool) throws(TokenRegex.RegexError) -> TokenRegex.Node {
        i += 1
        var caseless = caseless
        var look: Bool?
        if i < s.count, s[i] == "?" {
            i += 1
            guard i < s.count else { throw fail("unterminated group") }
            switch s[i] {
            case ":": i += 1
            case "=": look = false; i += 1
            case "!": look = true; i += 1
            case "i", "-":
                let off = s[i] == "-"
                if off { i += 1 }
                guard i + 1 < s.count, s[i] == "i", s[i + 1] == ":" else {
                    throw fail("only the (?i:…) and (?-i:…) option groups are supported")
                }
                caseless = !off
                i += 2
            case "<":
                throw fail("lookbehind and named groups are not supported")
            default:
                throw fail("group '(?\(s[i])' is not supported")
            }
        }
        let inner = try alternation(caseless: caseless)
        guard i < s.count, s[i] == ")" else { throw fail("unterminated group") }
        i += 1
        if let negative = look { return .lookahead(inner, negative: negative) }
        return inner
    }

    mutating func characterClass() throws(TokenRegex.RegexError) -> ScalarSet {
        i += 1
        var set = ScalarSet(items: [])
        if i < s.count, s[i] == "^" {
            set.negated = true
            i += 1
        }
        var first = true
        while true {
            guard i < s.count else { throw fail("unterminated character class") }
            let c = s[i]
            if c == "]" && !first { i += 1; break }
            first = false
            if c == "[" { throw fail("nested character classes are not supported") }
            if c == "&", i + 1 < s.count, s[i + 1] == "&" { throw fail("class intersection '&&' is not supported") }
            var low: Unicode.Scalar
            if c == "\\" {
                let escaped = try escape(inClass: true)
                guard escaped.items.count == 1, case .scalar(let scalar) = escaped.items[0] else {
                    // A class escape (\s, \p{L}, \S…) joins the set; it cannot start a range.
                    set.items += escaped.items
                    continue
                }
                low = scalar
            } else {
                low = c
                i += 1
            }
            if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                i += 1
                var high: Unicode.Scalar
                if s[i] == "\\" {
                    let escaped = try escape(inClass: true)
                    guard escaped.items.count == 1, case .scalar(let scalar) = escaped.items[0] else {
                        throw fail("a range must end in a single character")
                    }
                    high = scalar
                } else {
                    high = s[i]
                    i += 1
                }
                guard low.value <= high.value else { throw fail("range out of order") }
                set.items.append(.range(low.value...high.value))
            } else {
                set.items.append(.scalar(low))
            }
        }
        return set
    }

    /// An escape starting at `\`: a single scalar, or a class such as `\s` or `\p{L}`.
    mutating func escape(inClass: Bool) throws(TokenRegex.RegexError) -> ScalarSet {
        i += 1
        guard i < s.count else { throw fail("pattern ends with '\\'") }
        let c = s[i]
        i += 1
        func one(_ scalar: Unicode.Scalar) -> ScalarSet { ScalarSet(items: [.scalar(scalar)]) }
        switch c {
        case "n": return one("\n")
        case "r": return one("\r")
        case "t": return one("\t")
        case "f": return one("\u{0C}")
        case "v": return one("\u{0B}")
        case "e": return one("\u{1B}")
        case "a": return one("\u{07}")
        case "0": return one("\u{00}")
        case "s": return ScalarSet(items: [.whitespace(negated: false)])
        case "S": return ScalarSet(items: [.whitespace(negated: true)])
        case "d": return ScalarSet(items: [.digit(negated: false)])
        case "D": return ScalarSet(items: [.digit(negated: true)])
        case "w": return ScalarSet(items: [.word(negated: false)])
        case "W": return ScalarSet(items: [.word(negated: true)])
        case "h": return ScalarSet(items: [.horizontalSpace(negated: false)])
        case "H": return ScalarSet(items: [.horizontalSpace(negated: true)])
        case "p", "P": return try property(negated: c == "P")
        case "x": return one(try hex(braced: i < s.count && s[i] == "{", digits: 2))
        case "u": return one(try hex(braced: false, digits: 4))
        default:
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                throw fail("escape '\\\(c)' is not supported")
            }
            return one(c)
        }
    }

    mutating func hex(braced: Bool, digits: Int) throws(TokenRegex.RegexError) -> Unicode.Scalar {
        var text = ""
        if braced {
            i += 1
            while i < s.count, s[i] != "}" {
                text.unicodeScalars.append(s[i])
                i += 1
            }
            guard i < s.count else { throw fail("unterminated \\x{…}") }
            i += 1
        } else {
            for _ in 0..<digits where i < s.count {
                text.unicodeScalars.append(s[i])
                i += 1
            }
        }
        guard !text.isEmpty, text.count <= 8, let value = UInt32(text, radix: 16), let scalar = Unicode.Scalar(value) else {
            throw fail("bad hexadecimal escape '\(text)'")
        }
        return scalar
    }

    mutating func property(negated: Bool) throws(TokenRegex.RegexError) -> ScalarSet {
        guard i < s.count, s[i] == "{" else { throw fail("\\p needs {NAME}") }
        i += 1
        var name = ""
        while i < s.count, s[i] != "}" {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        guard i < s.count else { throw fail("unterminated \\p{…}") }
        i += 1
        var negated = negated
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let categories = GeneralCategories.named(name) else {
            throw fail("Unicode property '\(name)' is not supported (general categories such as L, N, P, Lu are)")
        }
        return ScalarSet(items: [.categories(categories, negated: negated)])
    }
}
