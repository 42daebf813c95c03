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
        case character(ScalarSet)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?, greedy: Bool)
        case lookahead(Node, negative: Bool)
    }

    let root: Node
    let source: String

    init(_ source: String) throws(RegexError) {
        var parser = RegexParser(Array(source.unicodeScalars), source: source)
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
