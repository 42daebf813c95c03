import Foundation

/// What a sweep measures, on the metric output's logits at batch 0, last position.
///
/// - `logit-diff:A,B`: `out[0, -1, A] − out[0, -1, B]`
/// - `logprob:A`: log-softmax of that row at A
/// - `prob:A`: softmax at A
/// - `kl`: `Σ p·(log p − log q)` with p the patched run's softmax and q the clean run's: the KL
///   divergence of the patched distribution from the clean one (0 for the clean run).
public enum SweepMetric: Sendable, Equatable, CustomStringConvertible {
    case logitDiff(Int, Int)
    case logprob(Int)
    case prob(Int)
    case kl

    /// Parses `logit-diff:A,B`, `logprob:A`, `prob:A` or `kl`.
    public static func parse(_ text: String) throws(ONNXPatchError) -> SweepMetric {
        let (name, argument) =
            text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
            ?? (text, nil)
        func token(_ s: Substring) throws(ONNXPatchError) -> Int {
            guard let id = Int(s.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw .input("--metric '\(text)': '\(s)' is not a token id (a non-negative integer)")
            }
            return id
        }
        switch name {
        case "logit-diff":
            let ids = argument?.split(separator: ",", omittingEmptySubsequences: false) ?? []
            guard ids.count == 2 else {
                throw .input("--metric '\(text)': expected logit-diff:A,B with two token ids")
            }
            return .logitDiff(try token(ids[0]), try token(ids[1]))
        case "logprob", "prob":
            guard let argument, !argument.contains(",") else {
                throw .input("--metric '\(text)': expected \(name):A with one token id")
            }
            let id = try token(Substring(argument))
            return name == "prob" ? .prob(id) : .logprob(id)
        case "kl":
            guard argument == nil else { throw .input("--metric '\(text)': kl takes no argument") }
            return .kl
        default:
            throw .input(
                "--metric '\(text)': unknown metric '\(name)' (expected logit-diff:A,B, logprob:A, prob:A or kl)"
            )
        }
    }

    /// The canonical spelling (what ``parse(_:)`` reads).
    public var description: String {
        switch self {
        case .logitDiff(let a, let b): "logit-diff:\(a),\(b)"
        case .logprob(let a): "logprob:\(a)"
        case .prob(let a): "prob:\(a)"
        case .kl: "kl"
        }
    }

    /// Token ids the metric reads.
    public var tokens: [Int] {
        switch self {
        case .logitDiff(let a, let b): [a, b]
        case .logprob(let a), .prob(let a): [a]
        case .kl: []
        }
    }

    /// The logits the metric reads, in a vocabulary of `size`: a logit difference reads the
    /// columns from one id to the other, the others the whole row.
    public func columns(vocabulary size: Int) -> Range<Int> {
        if case .logitDiff(let a, let b) = self { return min(a, b)..<(max(a, b) + 1) }
        return 0..<size
    }

    /// The metric of one row of logits holding the columns `first…` (see ``columns(vocabulary:)``);
    /// `clean` is the clean run's whole row (read by `kl` only).
    public func evaluate(_ logits: [Double], from first: Int = 0, clean: [Double]) -> Double {
        switch self {
        case .logitDiff(let a, let b): return logits[a - first] - logits[b - first]
        case .logprob(let a): return logits[a] - Self.logSumExp(logits)
        case .prob(let a): return Foundation.exp(logits[a] - Self.logSumExp(logits))
        case .kl:
            let p = Self.logSumExp(logits)
            let q = Self.logSumExp(clean)
            var sum = 0.0
            for (x, y) in zip(logits, clean) {
                let logP = x - p
                let weight = Foundation.exp(logP)
                if weight > 0 { sum += weight * (logP - (y - q)) }
            }
            return sum
        }
    }

    static func logSumExp(_ row: [Double]) -> Double {
        guard let m = row.max(), m.isFinite else { return row.max() ?? -.infinity }
        return m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
    }
}
