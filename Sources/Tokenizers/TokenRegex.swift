import Foundation

/// A regular expression in the subset of Oniguruma syntax that tokenizer.json files use (the
/// GPT-2, Llama 3 and Qwen2 pre-tokenizer patterns and their relatives), matched leftmost-first
/// by backtracking over Unicode scalars, as Oniguruma matches them in the `tokenizers` package.
///
/// Supported: literals and escapes (`\r \n \t \f \v \e \0 \xHH \x{H…} \uHHHH`, escaped
/// punctuation), `.`, classes `[…]` with ranges and negation, `\s \S \d \D \w \W \h \H`,
/// `\p{…} \P{…} \p{^…}` over general categories, groups `(…)` `(?:…)` `(?i:…)` `(?-i:…)`,
/// lookahead `(?=…)` `(?!…)`, alternation and the quantifiers `* + ? {n} {n,} {n,m} {,m}`, greedy
/// or lazy. Anything else (anchors, backreferences, lookbehind, possessive quantifiers, nested
/// classes) is refused with the pattern and the offending part, never guessed.
struct TokenRegex: Sendable {
    indirect enum Node: Sendable {
        case character(CharacterSet)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?, greedy: Bool)
        case lookahead(Node, negative: Bool)
    }

    let root: Node
    let source: String

    init(_ source: String) throws(RegexError) {
        var parser = Parser(Array(source.unicodeScalars), source: source)
        root = try parser.parseAll()
        self.source = source
    }

    struct RegexError: Error, CustomStringConvertible {
        var pattern: String
        var reason: String
        var description: String { "regex \(Self.quoted(pattern)): \(reason)" }
        static func quoted(_ s: String) -> String {
            "'" + s.unicodeScalars.map { $0.isASCII && $0.value >= 32 ? String($0) : $0.escaped(asASCII: true) }.joined() + "'"
        }
    }

    /// Non-overlapping matches, leftmost first, as scalar index ranges. An empty match is skipped
    /// (the search moves on by one scalar), as `tokenizers` drops empty splits.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        while start <= text.count {
            var found: Range<Int>?
            for i in start...text.count {
                if let end = Matcher(text: text).match(root, i, { $0 }) {
                    found = i..<end
                    break
                }
            }
            guard let range = found else { break }
            if range.isEmpty {
                start = range.lowerBound + 1
                continue
            }
            result.append(range)
            start = range.upperBound
        }
        return result
    }

    /// Whether the pattern matches the whole of `text` (for tests).
    func matchesWhole(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return Matcher(text: scalars).match(root, 0, { $0 == scalars.count ? $0 : nil }) != nil
    }
}

/// Backtracking by continuation: `match(node, i, k)` tries every way `node` can match at `i`, in
/// Oniguruma's preference order, and returns the first non-nil result of `k(end)`.
private struct Matcher {
    let text: [Unicode.Scalar]

    func match(_ node: TokenRegex.Node, _ i: Int, _ k: (Int) -> Int?) -> Int? {
        switch node {
        case .character(let set):
            return i < text.count && set.contains(text[i]) ? k(i + 1) : nil
        case .sequence(let items):
            return sequence(items[...], i, k)
        case .alternation(let options):
            for option in options {
                if let end = match(option, i, k) { return end }
            }
            return nil
        case .repetition(let inner, let min, let max, let greedy):
            if case .character(let set) = inner {
                // Runs of one character class: count the run once, then back off without recursion.
                var n = 0
                while i + n < text.count, max.map({ n < $0 }) ?? true, set.contains(text[i + n]) { n += 1 }
                guard n >= min else { return nil }
                if greedy {
                    for j in stride(from: n, through: min, by: -1) {
                        if let end = k(i + j) { return end }
                    }
                } else {
                    for j in min...n {
                        if let end = k(i + j) { return end }
                    }
                }
                return nil
            }
            return repeated(inner, min: min, max: max, greedy: greedy, done: 0, i, k)
        case .lookahead(let inner, let negative):
            let found = match(inner, i, { $0 }) != nil
            return found != negative ? k(i) : nil
        }
    }

    private func sequence(_ items: ArraySlice<TokenRegex.Node>, _ i: Int, _ k: (Int) -> Int?) -> Int? {
        guard let first = items.first else { return k(i) }
        return match(first, i) { j in sequence(items.dropFirst(), j, k) }
    }

    private func repeated(
        _ node: TokenRegex.Node, min: Int, max: Int?, greedy: Bool, done: Int, _ i: Int, _ k: (Int) -> Int?
    ) -> Int? {
        if done < min {
            return match(node, i) { j in repeated(node, min: min, max: max, greedy: greedy, done: done + 1, j, k) }
        }
        if let max, done >= max { return k(i) }
        // An iteration that consumes nothing would repeat forever; it ends the repetition.
        if greedy {
            if let end = match(node, i, { j in j == i ? nil : repeated(node, min: min, max: max, greedy: greedy, done: done + 1, j, k) }) {
                return end
            }
            return k(i)
        }
        if let end = k(i) { return end }
        return match(node, i) { j in j == i ? nil : repeated(node, min: min, max: max, greedy: greedy, done: done + 1, j, k) }
    }
}

/// A set of scalars: a union of items, possibly negated, possibly matched case-insensitively.
struct CharacterSet: Sendable {
    enum Item: Sendable {
        case scalar(Unicode.Scalar)
        case range(ClosedRange<UInt32>)
        case categories(Set<Unicode.GeneralCategory>, negated: Bool)
        case whitespace(negated: Bool)
        case horizontalSpace(negated: Bool)
        case digit(negated: Bool)
        case word(negated: Bool)
        case notNewline
    }

    var items: [Item]
    var negated = false
    var caseless = false

    func contains(_ c: Unicode.Scalar) -> Bool {
        if caseless {
            let folded = CaseFolding.fold(c)
            let hit = containsExactly(c) || containsExactly(folded) || CaseFolding.variants(of: folded).contains(where: containsExactly)
            return hit != negated
        }
        return containsExactly(c) != negated
    }

    private func containsExactly(_ c: Unicode.Scalar) -> Bool {
        for item in items {
            switch item {
            case .scalar(let s): if s == c { return true }
            case .range(let r): if r.contains(c.value) { return true }
            case .categories(let set, let negated): if set.contains(c.properties.generalCategory) != negated { return true }
            case .whitespace(let negated): if c.properties.isWhitespace != negated { return true }
            case .horizontalSpace(let negated):
                let h = c == "\t" || c.properties.generalCategory == .spaceSeparator
                if h != negated { return true }
            case .digit(let negated): if (c.properties.generalCategory == .decimalNumber) != negated { return true }
            case .word(let negated): if CharacterSet.isWord(c) != negated { return true }
            case .notNewline: if c != "\n" { return true }
            }
        }
        return false
    }

    static func isWord(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}

/// Simple case folding for `(?i:…)`: the one-scalar lowercase mapping, plus the folds Unicode
/// defines beyond it that matter for ASCII patterns (ſ → s, K (Kelvin) → k, Å (Ångström) → å).
enum CaseFolding {
    static func fold(_ c: Unicode.Scalar) -> Unicode.Scalar {
        switch c.value {
        case 0x17F: return "s"
        case 0x212A: return "k"
        case 0x212B: return "\u{E5}"
        default:
            let lower = c.properties.lowercaseMapping.unicodeScalars
            return lower.count == 1 ? lower.first ?? c : c
        }
    }

    /// Scalars other than `folded` that fold to it and may appear literally in a pattern.
    static func variants(of folded: Unicode.Scalar) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        let upper = folded.properties.uppercaseMapping.unicodeScalars
        if upper.count == 1, let u = upper.first, u != folded { result.append(u) }
        return result
    }
}

private struct Parser {
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
            return .character(CharacterSet(items: [.notNewline]))
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
            return .character(CharacterSet(items: [.scalar(c)], caseless: caseless))
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

    mutating func characterClass() throws(TokenRegex.RegexError) -> CharacterSet {
        i += 1
        var set = CharacterSet(items: [])
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
    mutating func escape(inClass: Bool) throws(TokenRegex.RegexError) -> CharacterSet {
        i += 1
        guard i < s.count else { throw fail("pattern ends with '\\'") }
        let c = s[i]
        i += 1
        func one(_ scalar: Unicode.Scalar) -> CharacterSet { CharacterSet(items: [.scalar(scalar)]) }
        switch c {
        case "n": return one("\n")
        case "r": return one("\r")
        case "t": return one("\t")
        case "f": return one("\u{0C}")
        case "v": return one("\u{0B}")
        case "e": return one("\u{1B}")
        case "a": return one("\u{07}")
        case "0": return one("\u{00}")
        case "s": return CharacterSet(items: [.whitespace(negated: false)])
        case "S": return CharacterSet(items: [.whitespace(negated: true)])
        case "d": return CharacterSet(items: [.digit(negated: false)])
        case "D": return CharacterSet(items: [.digit(negated: true)])
        case "w": return CharacterSet(items: [.word(negated: false)])
        case "W": return CharacterSet(items: [.word(negated: true)])
        case "h": return CharacterSet(items: [.horizontalSpace(negated: false)])
        case "H": return CharacterSet(items: [.horizontalSpace(negated: true)])
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

    mutating func property(negated: Bool) throws(TokenRegex.RegexError) -> CharacterSet {
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
        return CharacterSet(items: [.categories(categories, negated: negated)])
    }
}

/// Unicode general categories by short and long name, single or grouped (`L` = all letters).
enum GeneralCategories {
    typealias C = Unicode.GeneralCategory
    static let groups: [String: [C]] = [
        "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
        "M": [.nonspacingMark, .spacingMark, .enclosingMark],
        "N": [.decimalNumber, .letterNumber, .otherNumber],
        "P": [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
              .finalPunctuation, .otherPunctuation],
        "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol],
        "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator],
        "C": [.control, .format, .surrogate, .privateUse, .unassigned],
        "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter], "Lm": [.modifierLetter],
        "Lo": [.otherLetter], "Mn": [.nonspacingMark], "Mc": [.spacingMark], "Me": [.enclosingMark],
        "Nd": [.decimalNumber], "Nl": [.letterNumber], "No": [.otherNumber], "Pc": [.connectorPunctuation],
        "Pd": [.dashPunctuation], "Ps": [.openPunctuation], "Pe": [.closePunctuation], "Pi": [.initialPunctuation],
        "Pf": [.finalPunctuation], "Po": [.otherPunctuation], "Sm": [.mathSymbol], "Sc": [.currencySymbol],
        "Sk": [.modifierSymbol], "So": [.otherSymbol], "Zs": [.spaceSeparator], "Zl": [.lineSeparator],
        "Zp": [.paragraphSeparator], "Cc": [.control], "Cf": [.format], "Cs": [.surrogate], "Co": [.privateUse],
        "Cn": [.unassigned],
    ]
    static let longNames: [String: String] = [
        "letter": "L", "mark": "M", "number": "N", "punctuation": "P", "symbol": "S", "separator": "Z", "other": "C",
        "uppercaseletter": "Lu", "lowercaseletter": "Ll", "decimalnumber": "Nd", "spaceseparator": "Zs",
        "control": "Cc", "format": "Cf",
    ]

    static func named(_ name: String) -> Set<C>? {
        let key = groups[name] != nil ? name : longNames[name.lowercased().replacingOccurrences(of: "_", with: "")]
        return key.flatMap { groups[$0] }.map(Set.init)
    }
}
