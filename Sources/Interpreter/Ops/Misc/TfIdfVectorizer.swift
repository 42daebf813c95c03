import GraphIR
import TensorCore

/// TfIdfVectorizer: counts the n-grams of a pool in each row of integer tokens, optionally
/// with skips between the tokens of an n-gram, and weighs the counts.
///
/// https://onnx.ai/onnx/operators/onnx__TfIdfVectorizer.html
///
/// `X` (C) or (B, C) int32/int64 → float32 (O) or (B, O), O = max(ngram_indexes) + 1. The
/// pool (`pool_int64s`) lists the unigrams, then the bigrams… (`ngram_counts` gives where each
/// size starts); the k-th n-gram of the pool counts into column `ngram_indexes[k]`. N-grams of
/// `min_gram_length`…`max_gram_length` tokens are counted with skip distances 1…max_skip_count+1
/// (unigrams once). `mode` TF (counts), IDF (weight, or 1, where the count is non-zero) or TFIDF
/// (weight × count). String pools are not supported.
struct TfIdfVectorizer: Operator {
    enum Mode: String { case TF, IDF, TFIDF }

    let mode: Mode
    let minLength: Int, maxLength: Int, maxSkip: Int
    let indexes: [Int]
    let weights: [Double]
    /// Every n-gram of an allowed size and every prefix of one: the n-gram's number (1-based
    /// position in the pool), or 0 for a prefix that is not itself counted.
    let trie: [[Int64]: Int]

    init(_ context: OpContext) throws {
        let node = context.node
        let modeName = try node.required("mode", node.string)
        guard let mode = Mode(rawValue: modeName) else {
            throw OpError("mode must be TF, IDF or TFIDF, got '\(modeName)'")
        }
        self.mode = mode
        minLength = try node.required("min_gram_length", node.int)
        maxLength = try node.required("max_gram_length", node.int)
        maxSkip = try node.required("max_skip_count", node.int)
        guard minLength >= 1, maxLength >= minLength, maxSkip >= 0 else {
            throw OpError("need 1 ≤ min_gram_length ≤ max_gram_length and max_skip_count ≥ 0")
        }
        guard let pool = try node.ints("pool_int64s") else {
            throw OpError("only integer pools (pool_int64s) are supported; string tensors are not")
        }
        let counts = try node.required("ngram_counts", node.ints)
        indexes = try node.required("ngram_indexes", node.ints)
        weights = try node.floats("weights")?.map(Double.init) ?? []
        var trie: [[Int64]: Int] = [:]
        var id = 1
        for (size, start) in counts.enumerated().map({ ($0.offset + 1, $0.element) }) {
            let end = size < counts.count ? counts[size] : pool.count
            guard start >= 0, start <= end, end <= pool.count else {
                throw OpError("ngram_counts \(counts) do not fit a pool of \(pool.count)")
            }
            let grams = (end - start) / size
            for g in 0..<grams {
                defer { id += 1 }
                guard size >= minLength && size <= maxLength else { continue }
                let gram = pool[(start + g * size)..<(start + (g + 1) * size)].map { Int64($0) }
                for prefix in 1..<size where trie[Array(gram[..<prefix])] == nil {
                    trie[Array(gram[..<prefix])] = 0
                }
                trie[gram] = id
            }
        }
        guard id - 1 <= indexes.count, indexes.allSatisfy({ $0 >= 0 }) else {
            throw OpError("ngram_indexes must give a non-negative column for each of the \(id - 1) n-grams")
        }
        self.trie = trie
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank == 1 || x.rank == 2 else { throw OpError("X must be (C) or (B, C), got \(x.shape)") }
        let tokens = try ShapeSupport.ints(x, "X").map { Int64($0) }
        let rows = x.rank == 2 ? x.shape[0] : 1
        let width = x.shape[x.rank - 1]
        let columns = (indexes.max() ?? -1) + 1
        var counts = [Double](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            var startSize = minLength
            for skip in 1...(maxSkip + 1) {
                for start in 0..<width {
                    if start + skip * (startSize - 1) >= width { break }
                    var gram: [Int64] = []
                    var at = start
                    while gram.count < maxLength && at < width {
                        gram.append(tokens[row * width + at])
                        guard let id = trie[gram] else { break }
                        if gram.count >= startSize && id != 0 { counts[row * columns + indexes[id - 1]] += 1 }
                        at += skip
                    }
                }
                // Unigrams do not depend on the skip distance: count them on the first pass only.
                if startSize == 1 {
                    startSize = 2
                    if startSize > maxLength { break }
                }
            }
        }
        let weighted = counts.enumerated().map { p, count -> Double in
            let w = weights.isEmpty ? 1 : weights[p % columns]
            switch mode {
            case .TF: return count
            case .IDF: return count > 0 ? w : 0
            case .TFIDF: return w * count
            }
        }
        return [try MiscSupport.tensor(weighted, .float32, x.rank == 2 ? [rows, columns] : [columns])]
    }
}
