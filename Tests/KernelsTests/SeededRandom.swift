/// A small deterministic generator (SplitMix64) so kernel comparisons are reproducible.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` floats uniform in `range`.
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// Largest `|a − b| / (atol + rtol·|b|)` over two arrays; ≤ 1 means every element is close.
func worstError(_ a: [Float], _ b: [Double], atol: Double = 1e-5, rtol: Double = 1e-4) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        if x.isNaN && y.isNaN { continue }
        if x.isNaN != y.isNaN { return .infinity }
        if x.isInfinite || y.isInfinite {
            if Double(x) != y { return .infinity }
            continue
        }
        worst = max(worst, abs(Double(x) - y) / (atol + rtol * abs(y)))
    }
    return worst
}
