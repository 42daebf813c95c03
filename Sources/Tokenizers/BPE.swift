/// The `model` of a tokenizer.json when its type is `BPE`: a vocabulary and ranked merges.
/// A word starts as one symbol per character (or, with `byte_fallback`, one `<0xNN>` symbol per
/// UTF-8 byte of a character the vocabulary lacks; else the unknown token); then the adjacent
/// pair with the lowest merge rank, leftmost first, is merged until no pair has a rank. This is
/// `tokenizers`' `BPE::merge_word` + `Word::merge_all` without dropout.
struct BPE: Sendable {
    /// Keyed by scalars, not `String`: Swift compares strings up to canonical equivalence, and a
    /// vocabulary may hold `"é"` and `"e\u{301}"` as different tokens.
    let vocab: [[Unicode.Scalar]: Int]
    let tokens: [Int: String]
    /// (left id, right id) → (rank, merged id).
    let merges: [Pair: Merge]
    let unknownID: Int?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool

    struct Pair: Hashable, Sendable {
        var left: Int
        var right: Int
    }

    struct Merge: Sendable {
        var rank: Int
        var id: Int
    }

    init(_ json: JSONObject) throws(TokenizerError) {
        if let dropout = json.fields["dropout"], case .number(let p) = dropout, p != 0 {
            throw .unsupportedSetting(source: json.source, at: json.at("dropout"),
                                      reason: "BPE dropout \(p) makes encoding random; only null or 0 is supported")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try json.optionalString(key), !value.isEmpty {
                throw .unsupportedSetting(source: json.source, at: json.at(key),
                                          reason: "'\(value)' is not supported (byte-level and SentencePiece-style BPE have none)")
            }
        }
        guard case .object(let entries) = json.fields["vocab"] ?? .null else {
            throw json.malformed("vocab", "expected an object mapping tokens to ids")
        }
        var vocab: [[Unicode.Scalar]: Int] = [:]
        var tokens: [Int: String] = [:]
        for (token, value) in entries {
            let id = try JSONObject.int(value, at: json.at("vocab") + "[\(Self.quoted(token))]", source: json.source)
            if let other = tokens[id] {
                throw json.malformed("vocab", "id \(id) is given to both \(Self.quoted(other)) and \(Self.quoted(token))")
            }
            vocab[Array(token.unicodeScalars)] = id
            tokens[id] = token
        }
        var merges: [Pair: Merge] = [:]
        for (rank, value) in try json.array("merges").enumerated() {
            let at = json.at("merges") + "[\(rank)]"
            let parts: [String]
            switch value {
            case .string(let s):
                // The older format: "left right". Split on scalars: a space followed by a
                // combining mark is one Swift Character.
                parts = s.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
            case .array(let items):
                parts = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
                guard parts.count == items.count else {
                    throw .malformed(source: json.source, at: at, reason: "expected two strings")
                }
            default:
                throw .malformed(source: json.source, at: at, reason: "expected \"left right\" or [left, right], got \(value.typeName)")
            }
            guard parts.count == 2 else {
                throw .malformed(source: json.source, at: at, reason: "expected two tokens, got \(parts.count)")
            }
            let keys = [Array(parts[0].unicodeScalars), Array(parts[1].unicodeScalars)]
            guard let left = vocab[keys[0]], let right = vocab[keys[1]], let merged = vocab[keys[0] + keys[1]] else {
                let missing = [keys[0], keys[1], keys[0] + keys[1]].first { vocab[$0] == nil } ?? []
                throw .malformed(source: json.source, at: at, reason: "token \(Self.quoted(Normalizer.string(missing))) is not in the vocabulary")
            }
            // A repeated pair keeps its last rank, as `tokenizers` builds its merge map.
            merges[Pair(left: left, right: right)] = Merge(rank: rank, id: merged)
        }
        if let unknown = try json.optionalString("unk_token") {
            guard let id = vocab[Array(unknown.unicodeScalars)] else {
                throw json.malformed("unk_token", "\(Self.quoted(unknown)) is not in the vocabulary")
            }
            unknownID = id
        } else {
            unknownID = nil
        }
        self.vocab = vocab
        self.tokens = tokens
        self.merges = merges
        fuseUnknown = try json.bool("fuse_unk", default: false)
        byteFallback = try json.bool("byte_fallback", default: false)
        ignoreMerges = try json.bool("ignore_merges", default: false)
    }

    static func quoted(_ s: String) -> String { "'" + s.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "'" }

    /// The ids of one word.
    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocab[word] { return [id] }
        var ids: [Int] = []
        ids.reserveCapacity(word.count)
        var pendingUnknown = false
        for scalar in word {
            if let id = vocab[[scalar]] {
                if pendingUnknown, let unknownID { ids.append(unknownID) }
                pendingUnknown = false
                ids.append(id)
                continue
            }
            if byteFallback {
                var bytes: [Int?] = []
                UTF8.encode(scalar) { bytes.append(vocab[Array(Self.byteToken($0).unicodeScalars)]) }
                if bytes.allSatisfy({ $0 != nil }) {
                    // As in `tokenizers`, a pending unknown is not flushed before byte tokens.
                    ids += bytes.compactMap { $0 }
                    continue
                }
            }
            if let unknownID {
                if pendingUnknown && !fuseUnknown { ids.append(unknownID) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownID { ids.append(unknownID) }
        return merged(ids)
    }

    static func byteToken(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" : "") + hex + ">"
    }

    /// Applies merges by rank (then position), with a heap of candidate pairs as `Word::merge_all`.
    func merged(_ ids: [Int]) -> [Int] {
        guard ids.count > 1 else { return ids }
        var symbols = ids
        var next = Array(1...ids.count)
        var previous = Array(-1..<(ids.count - 1))
        var alive = [Bool](repeating: true, count: ids.count)
        next[ids.count - 1] = -1
        var heap = MergeHeap()
        for i in 0..<(ids.count - 1) {
            if let m = merges[Pair(left: ids[i], right: ids[i + 1])] { heap.push(.init(rank: m.rank, position: i, id: m.id)) }
        }
        while let top = heap.pop() {
            let i = top.position
            let j = next[i]
            guard alive[i], j >= 0, let m = merges[Pair(left: symbols[i], right: symbols[j])], m.id == top.id else { continue }
            symbols[i] = m.id
            alive[j] = false
            next[i] = next[j]
            if next[j] >= 0 { previous[next[j]] = i }
            if previous[i] >= 0, let p = merges[Pair(left: symbols[previous[i]], right: m.id)] {
                heap.push(.init(rank: p.rank, position: previous[i], id: p.id))
            }
            if next[i] >= 0, let n = merges[Pair(left: m.id, right: symbols[next[i]])] {
                heap.push(.init(rank: n.rank, position: i, id: n.id))
            }
        }
        var result: [Int] = []
        var i = 0
        while i >= 0 {
            result.append(symbols[i])
            i = next[i]
        }
        return result
    }
}

/// A binary min-heap of candidate merges ordered by (rank, position).
struct MergeHeap {
    struct Entry {
        var rank: Int
        var position: Int
        var id: Int

        func precedes(_ other: Entry) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    private var items: [Entry] = []

    mutating func push(_ entry: Entry) {
        items.append(entry)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count, items[l].precedes(items[best]) { best = l }
                if r < items.count, items[r].precedes(items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return first
    }
}
