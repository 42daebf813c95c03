/// Shell-style name patterns over node names and scope paths: `*` matches any run of characters
/// (including `/` and `.`), `?` one character; everything else matches itself.
public struct Glob: Sendable, Equatable {
    public let pattern: String
    private let chars: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.chars = Array(pattern)
    }

    /// Whether the pattern contains a wildcard.
    public var hasWildcards: Bool { chars.contains("*") || chars.contains("?") }

    /// Whether `text` matches the whole pattern.
    public func matches(_ text: String) -> Bool {
        let s = Array(text)
        // Iterative match with backtracking to the last `*`: linear in practice, no recursion.
        var p = 0, t = 0
        var star = -1, resume = 0
        while t < s.count {
            if p < chars.count && (chars[p] == "?" || chars[p] == s[t]) {
                p += 1
                t += 1
            } else if p < chars.count && chars[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < chars.count && chars[p] == "*" { p += 1 }
        return p == chars.count
    }
}

extension Node {
    /// The scope path joined by `/` (empty for nodes without a scope).
    public var scopePath: String { scope.joined(separator: "/") }

    /// Whether `glob` matches this node's name or its scope path followed by `/` and its name.
    public func matches(_ glob: Glob) -> Bool {
        glob.matches(name) || (!scope.isEmpty && glob.matches(scopePath + "/" + name))
    }
}
