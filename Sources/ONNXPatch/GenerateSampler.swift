import Foundation

/// How the next token is chosen from the last position's logits.
public enum Decoding: Sendable, Equatable {
    /// The highest logit; the lowest id among equal logits.
    case greedy
    /// Drawn from softmax(logits / temperature) over the `topK` highest logits (0: all), with a
    /// SplitMix64 generator seeded by `seed`: the same seed gives the same tokens.
    case sampling(temperature: Double, topK: Int, seed: UInt64)
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small generator whose whole state is one integer,
/// owned by one generation, so sampling is reproducible and shares nothing.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// Chooses tokens for one generation. The sampling rule is spelled out so that other
/// implementations can reproduce it (tools/make-generation-fixtures.py does): tokens sorted by
/// (logit descending, id ascending), cut to top-k, weights `exp((logit - max) / temperature)`
/// summed in that order, `u = uniform() * total`, the first token whose running sum exceeds `u`.
struct TokenChooser {
    let decoding: Decoding
    var generator: SplitMix64

    init(_ decoding: Decoding) {
        self.decoding = decoding
        if case .sampling(_, _, let seed) = decoding {
            generator = SplitMix64(state: seed)
        } else {
            generator = SplitMix64(state: 0)
        }
    }

    mutating func choose(_ logits: [Double]) -> Int {
        switch decoding {
        case .greedy:
            var best = 0
            for i in logits.indices where logits[i] > logits[best] { best = i }
            return best
        case .sampling(let temperature, let topK, _):
            let order = Self.ranked(logits, limit: topK)
            guard let first = order.first else { return 0 }
            let top = logits[first]
            let weights = order.map { Foundation.exp((logits[$0] - top) / temperature) }
            var total = 0.0
            for w in weights { total += w }
            let u = generator.uniform() * total
            var running = 0.0
            for (id, w) in zip(order, weights) {
                running += w
                if u < running { return id }
            }
            return order[order.count - 1]
        }
    }

    /// Ids by (logit descending, id ascending), the first `limit` of them (all when 0).
    static func ranked(_ logits: [Double], limit: Int) -> [Int] {
        let precedes = { (a: Int, b: Int) in logits[a] > logits[b] || (logits[a] == logits[b] && a < b) }
        guard limit > 0, limit < logits.count else { return logits.indices.sorted(by: precedes) }
        // Keep a sorted window of the best `limit` ids: one pass, no full sort of the vocabulary.
        var best: [Int] = []
        best.reserveCapacity(limit + 1)
        for i in logits.indices {
            if best.count == limit, let last = best.last, !precedes(i, last) { continue }
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if precedes(best[mid], i) { lo = mid + 1 } else { hi = mid }
            }
            best.insert(i, at: lo)
            if best.count > limit { best.removeLast() }
        }
        return best
    }
}
