import Foundation
import TensorCore

/// How a patched output differs from the baseline: per output max/mean absolute difference,
/// relative L2 and cosine similarity; for logits, the top-k tokens before and after.
public struct OutputDiff: Sendable, Encodable {
    public var name: String
    public var shape: [Int]
    public var maxAbsDiff: Double
    public var meanAbsDiff: Double
    /// ‖patched − baseline‖ / ‖baseline‖ (0 when both are zero).
    public var relativeL2: Double
    /// cos(baseline, patched); 1 when both are zero.
    public var cosineSimilarity: Double
    public var topK: TopKChange?

    /// Top tokens at one position of batch 0 of a `(batch, position, vocabulary)` output.
    public struct TopKChange: Sendable, Encodable {
        public var position: Int
        public var before: [Token]
        public var after: [Token]
    }

    public struct Token: Sendable, Encodable {
        public var id: Int
        public var probability: Double
        public var logit: Double
    }

    enum CodingKeys: String, CodingKey {
        case name, shape
        case maxAbsDiff = "max_abs_diff", meanAbsDiff = "mean_abs_diff", relativeL2 = "relative_l2"
        case cosineSimilarity = "cosine_similarity", topK = "top_k"
    }

    /// Compares two values of one output. `position` (negative counts from the end) selects where
    /// top-k is read for rank-3 outputs whose last axis is longer than 1.
    public static func compare(
        name: String, baseline: Tensor, patched: Tensor, topK k: Int = 5, position: Int = -1
    ) throws(ONNXPatchError) -> OutputDiff {
        guard baseline.shape == patched.shape else {
            throw .input("output '\(name)': baseline shape \(baseline.shape) differs from patched \(patched.shape)")
        }
        let a: [Double], b: [Double]
        do {
            a = try baseline.doubleValues()
            b = try patched.doubleValues()
        } catch {
            throw .tensor(error)
        }
        var maxAbs = 0.0, sumAbs = 0.0, dot = 0.0, na = 0.0, nb = 0.0, nd = 0.0
        for (x, y) in zip(a, b) {
            let d = abs(x - y)
            maxAbs = max(maxAbs, d.isNaN ? .infinity : d)
            sumAbs += d
            dot += x * y
            na += x * x
            nb += y * y
            nd += (x - y) * (x - y)
        }
        let relative = na == 0 ? (nd == 0 ? 0 : .infinity) : (nd / na).squareRoot()
        let cosine = na == 0 && nb == 0 ? 1 : dot / ((na * nb).squareRoot())
        var diff = OutputDiff(name: name, shape: baseline.shape, maxAbsDiff: maxAbs,
                              meanAbsDiff: a.isEmpty ? 0 : sumAbs / Double(a.count), relativeL2: relative,
                              cosineSimilarity: cosine, topK: nil)
        let shape = baseline.shape
        if shape.count == 3, shape[2] > 1, shape[0] > 0, shape[1] > 0, baseline.dtype.isFloatingPoint {
            let p = position < 0 ? position + shape[1] : position
            guard p >= 0 && p < shape[1] else {
                throw .input("--position \(position) is out of range for output '\(name)' of shape \(shape)")
            }
            let row = p * shape[2]..<(p + 1) * shape[2]
            diff.topK = TopKChange(position: p, before: top(Array(a[row]), k), after: top(Array(b[row]), k))
        }
        return diff
    }

    /// The `k` largest logits with their softmax probabilities.
    static func top(_ logits: [Double], _ k: Int) -> [Token] {
        let m = logits.max() ?? 0
        let z = logits.reduce(0) { $0 + Foundation.exp($1 - m) }
        return logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            .prefix(k).map { Token(id: $0, probability: Foundation.exp(logits[$0] - m) / z, logit: logits[$0]) }
    }
}
