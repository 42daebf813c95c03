import Foundation

/// Settings of one generation.
public struct GenerationOptions: Sendable {
    /// Tokens to add at most (≥ 1).
    public var maxNewTokens: Int
    public var decoding: Decoding = .greedy
    /// Generation stops after producing any of these ids (which is kept in the output).
    public var eos: [Int] = []
    /// Candidates recorded per step (highest logits, with probabilities at temperature 1).
    public var recordTop: Int = 5
    /// On an export with a KV cache: false feeds an empty cache and the whole sequence at every
    /// step, so patch indices count absolute positions as in a cache-less export.
    public var useCache: Bool = true

    public init(maxNewTokens: Int, decoding: Decoding = .greedy, eos: [Int] = [], recordTop: Int = 5, useCache: Bool = true) {
        self.maxNewTokens = maxNewTokens
        self.decoding = decoding
        self.eos = eos
        self.recordTop = recordTop
        self.useCache = useCache
    }
}

/// What a generation produced, step by step.
public struct Generation: Sendable {
    public enum Mode: String, Sendable, Encodable {
        /// The whole sequence is run at every step (cache-less export, or `useCache: false`).
        case recompute
        /// The prompt is run once, then one token per step with the cache fed back.
        case cache
    }

    public struct Candidate: Sendable, Encodable {
        public var id: Int
        public var logit: Double
        public var probability: Double
    }

    public struct Step: Sendable {
        /// The position of the chosen token in the full sequence (prompt length + step).
        public var position: Int
        public var id: Int
        /// The highest logits at the last position, after patches.
        public var top: [Candidate]
        /// How many positions the model ran at this step (the whole sequence, or 1 with a cache).
        public var positionsRun: Int
        /// Wall time of the step's run, in seconds.
        public var seconds: Double
    }

    public var promptIDs: [Int]
    /// The new ids only.
    public var ids: [Int]
    public var steps: [Step]
    public var mode: Mode
    /// The eos id that stopped generation, or nil when `maxNewTokens` did.
    public var stoppedAt: Int?
}

extension PatchableGraph {
    /// Generates from `prompt` (token ids), running the model with `patches` at every step.
    ///
    /// Everything that can be checked before the first step is: prompt ids against the
    /// vocabulary, prompt + new tokens against a position table, eos ids, cache inputs (by
    /// declared shape), and — with a cache — that every patch also applies to a one-token step,
    /// by one dry run at that shape.
    ///
    /// ```swift
    /// let model = try PatchableGraph(path: "model.onnx")
    /// let out = try model.generate(prompt: [464, 3139], patches: [try Patch("logits[..., 6342]=add:-1e9")],
    ///                              options: GenerationOptions(maxNewTokens: 20))
    /// print(out.ids)
    /// ```
    ///
    /// - Parameter onStep: called after each step (for streaming output).
    /// - Throws: ``ONNXPatchError`` naming the input, limit, cache value or patch at fault.
    public func generate(
        prompt: [Int], patches: [Patch] = [], options: GenerationOptions, onStep: ((Generation.Step) -> Void)? = nil
    ) throws(ONNXPatchError) -> Generation {
        let layout = try generationLayout()
        try Self.check(prompt: prompt, options: options, layout: layout)
        let mode: Generation.Mode = layout.hasCache && options.useCache ? .cache : .recompute
        // Targets, kinds and value files are checked (and the plan built) before the first step.
        _ = try patchedPlan(patches: patches, probes: [])
        if mode == .cache && !patches.isEmpty && options.maxNewTokens > 1 {
            try checkPatchesAtDecodeStep(prompt: prompt, patches: patches, layout: layout)
        }

        var chooser = TokenChooser(options.decoding)
        var sequence = prompt
        var generation = Generation(promptIDs: prompt, ids: [], steps: [], mode: mode, stoppedAt: nil)
        var past: [Tensor]? = nil
        for step in 0..<options.maxNewTokens {
            let chunk = mode == .cache && step > 0 ? [sequence[sequence.count - 1]] : sequence
            let start = mode == .cache ? sequence.count - chunk.count : 0
            let feeds = try Self.feeds(chunk: chunk, start: start, past: mode == .cache ? past : nil, layout: layout)
            let started = Date()
            let result: RunResult
            do {
                result = try run(feeds, patches: patches)
            } catch {
                throw Self.stepError(error, step: step, positions: chunk.count, mode: mode)
            }
            let row = try Self.lastRow(result, layout: layout, positions: chunk.count, step: step)
            if row.contains(where: \.isNaN) {
                throw .input("step \(step + 1): the logits at the last position contain NaN")
            }
            let token = chooser.choose(row)
            if mode == .cache { past = try Self.presents(result, layout: layout, expectedLength: sequence.count, step: step) }
            let record = Generation.Step(position: sequence.count, id: token, top: Self.top(row, options.recordTop),
                                         positionsRun: chunk.count, seconds: Date().timeIntervalSince(started))
            sequence.append(token)
            generation.ids.append(token)
            generation.steps.append(record)
            onStep?(record)
            if options.eos.contains(token) {
                generation.stoppedAt = token
                break
            }
        }
        return generation
    }

    /// The generation layout of this model (inputs, cache pairs, limits).
    public func generationLayout() throws(ONNXPatchError) -> GenerationLayout {
        try GenerationLayout(graph: graph)
    }

    static func check(prompt: [Int], options: GenerationOptions, layout: GenerationLayout) throws(ONNXPatchError) {
        guard options.maxNewTokens >= 1 else { throw .input("max new tokens must be at least 1, got \(options.maxNewTokens)") }
        guard !prompt.isEmpty else { throw .input("the prompt has no tokens") }
        if case .sampling(let t, let k, _) = options.decoding {
            guard t > 0, t.isFinite else { throw .input("temperature must be a positive number, got \(t)") }
            guard k >= 0 else { throw .input("top-k must be at least 1, got \(k)") }
        }
        if let vocabulary = layout.vocabularySize {
            if let bad = prompt.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw .input("prompt token id \(bad) is outside the model's vocabulary of \(vocabulary)")
            }
            if let bad = options.eos.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw .input("eos id \(bad) is outside the model's vocabulary of \(vocabulary)")
            }
        }
        if let table = layout.positionTable {
            let limit = "the model's position table ('\(table.initializer)', read by node '\(table.node)') has \(table.rows) rows"
            guard prompt.count <= table.rows else {
                throw .input("the prompt is \(prompt.count) tokens, but \(limit)")
            }
            // The last new token is never fed back, so the longest sequence run is one shorter.
            let longest = prompt.count + options.maxNewTokens - 1
            guard longest <= table.rows else {
                throw .input("a prompt of \(prompt.count) tokens + \(options.maxNewTokens) new tokens runs \(longest) positions, but \(limit); "
                             + "use at most \(table.rows - prompt.count + 1) new tokens")
            }
        }
    }

    /// One decode-shaped run (a token after the prompt, with a zero cache of the prompt's length)
    /// so that a patch which only fits the prompt step fails now, not after the prompt step.
    func checkPatchesAtDecodeStep(prompt: [Int], patches: [Patch], layout: GenerationLayout) throws(ONNXPatchError) {
        var past: [Tensor] = []
        for pair in layout.cache {
            do {
                past.append(try Tensor(zeros: pair.dtype, shape: [1, pair.heads, prompt.count, pair.headSize]))
            } catch {
                throw .tensor(error)
            }
        }
        let feeds = try Self.feeds(chunk: [prompt[0]], start: prompt.count, past: past, layout: layout)
        do {
            _ = try run(feeds, patches: patches)
        } catch {
            throw .input("with a KV cache, every step after the prompt runs 1 new position, and a patch fails at that shape: \(error). "
                         + "Indices on the sequence axis count the positions of the step (use -1 for the newest token), "
                         + "or generate without the cache (--recompute) to index absolute positions")
        }
    }

    static func stepError(_ error: ONNXPatchError, step: Int, positions: Int, mode: Generation.Mode) -> ONNXPatchError {
        let what = step == 0 ? "the prompt step (\(positions) positions)" : "step \(step + 1) (\(positions) position\(positions == 1 ? "" : "s"))"
        return .input("generation failed at \(what): \(error)")
    }

    static func integers(_ values: [Int], shape: [Int], as dtype: DType) -> Tensor {
        dtype == .int32 ? Tensor(shape: shape, scalars: values.map { Int32(truncatingIfNeeded: $0) })
            : Tensor(shape: shape, scalars: values.map { Int64($0) })
    }

    /// The feeds of one step: `chunk` at positions `start…`, and the cache (empty when nil).
    static func feeds(chunk: [Int], start: Int, past: [Tensor]?, layout: GenerationLayout) throws(ONNXPatchError) -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        feeds[layout.inputIDs.name] = integers(chunk, shape: [1, chunk.count], as: layout.inputIDs.dtype)
        if let mask = layout.attentionMask {
            feeds[mask.name] = integers(Array(repeating: 1, count: start + chunk.count), shape: [1, start + chunk.count], as: mask.dtype)
        }
        if let positions = layout.positionIDs {
            feeds[positions.name] = integers(Array(start..<start + chunk.count), shape: [1, chunk.count], as: positions.dtype)
        }
        for (i, pair) in layout.cache.enumerated() {
            if let past {
                feeds[pair.input] = past[i]
            } else {
                do {
                    feeds[pair.input] = try Tensor(zeros: pair.dtype, shape: [1, pair.heads, 0, pair.headSize])
                } catch {
                    throw .tensor(error)
                }
            }
        }
        return feeds
    }

    /// The logits of the last position as doubles, after checking the output's shape.
    static func lastRow(_ result: RunResult, layout: GenerationLayout, positions: Int, step: Int) throws(ONNXPatchError) -> [Double] {
        guard let logits = result[output: layout.logits] else { throw .input("the model did not produce '\(layout.logits)'") }
        let shape = logits.shape
        guard shape.count == 3, shape[0] == 1, shape[1] == positions || shape[1] == 1, shape[2] >= 1,
              logits.dtype.isFloatingPoint
        else {
            throw .input("step \(step + 1): output '\(layout.logits)' is \(logits.dtype)\(shape); expected float [1, \(positions), vocabulary]")
        }
        let width = shape[2]
        let offset = (shape[1] - 1) * width
        if logits.dtype == .float32 {
            return logits.withUnsafeBufferPointer(of: Float.self) { buffer in
                (0..<width).map { Double(buffer[offset + $0]) }
            }
        }
        do {
            return Array(try logits.doubleValues()[offset..<offset + width])
        } catch {
            throw .tensor(error)
        }
    }

    /// The cache outputs of a step, checked to have grown to `expectedLength` positions.
    static func presents(_ result: RunResult, layout: GenerationLayout, expectedLength: Int, step: Int) throws(ONNXPatchError) -> [Tensor] {
        var tensors: [Tensor] = []
        for pair in layout.cache {
            guard let t = result[output: pair.output] else { throw .input("the model did not produce cache output '\(pair.output)'") }
            let expected = [1, pair.heads, expectedLength, pair.headSize]
            guard t.shape == expected, t.dtype == pair.dtype else {
                throw .input("step \(step + 1): cache output '\(pair.output)' is \(t.dtype)\(t.shape); expected \(pair.dtype)\(expected) "
                             + "([batch, heads, past + new positions, head size])")
            }
            tensors.append(t)
        }
        return tensors
    }

    /// The `k` highest logits with softmax probabilities over the whole row.
    static func top(_ logits: [Double], _ k: Int) -> [Generation.Candidate] {
        guard k > 0, let m = logits.max() else { return [] }
        var z = 0.0
        for x in logits { z += Foundation.exp(x - m) }
        return TokenChooser.ranked(logits, limit: k).map {
            Generation.Candidate(id: $0, logit: logits[$0], probability: Foundation.exp(logits[$0] - m) / z)
        }
    }
}
