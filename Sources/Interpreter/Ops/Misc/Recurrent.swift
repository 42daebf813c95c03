import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// RNN, GRU and LSTM: recurrent layers over a sequence, forward, reverse or both.
///
/// https://onnx.ai/onnx/operators/onnx__RNN.html, onnx__GRU.html, onnx__LSTM.html
///
/// `X` (seq, batch, input) — (batch, seq, input) with `layout` = 1 —, `W` (dirs, G·hidden,
/// input), `R` (dirs, G·hidden, hidden), optional `B` (dirs, 2·G·hidden: W's bias then R's),
/// `sequence_lens` (batch), `initial_h` (dirs, batch, hidden), and for LSTM `initial_c` and the
/// peepholes `P` (dirs, 3·hidden). G is 1 (RNN), 3 (GRU gates z, r, h) or 4 (LSTM gates i, o, f,
/// c). Outputs `Y` (seq, dirs, batch, hidden), `Y_h` and LSTM's `Y_c` (dirs, batch, hidden),
/// with batch first under `layout` = 1. Steps past a sequence's length give zeros in `Y` and
/// leave the state alone. Computed in Double.
struct Recurrent: Operator {
    enum Kind { case rnn, gru, lstm }

    let kind: Kind
    let directions: [Bool]  // per direction: runs backwards
    let hiddenSize: Int?
    let layout: Int
    let clip: Double?
    /// Per direction, the activation functions (RNN: f; GRU: f, g; LSTM: f, g, h).
    let activations: [[Activation]]
    let linearBeforeReset: Bool
    let inputForget: Bool

    private var gates: Int { kind == .rnn ? 1 : kind == .gru ? 3 : 4 }

    init(_ context: OpContext, kind: Kind) throws {
        let node = context.node
        self.kind = kind
        switch try node.string("direction", default: "forward") {
        case "forward": directions = [false]
        case "reverse": directions = [true]
        case "bidirectional": directions = [false, true]
        case let other: throw OpError("direction must be forward, reverse or bidirectional, got '\(other)'")
        }
        hiddenSize = try node.int("hidden_size")
        layout = try node.int("layout", default: 0)
        guard layout == 0 || layout == 1 else { throw OpError("layout must be 0 or 1, got \(layout)") }
        clip = try node.float("clip").map(Double.init)
        linearBeforeReset = try node.int("linear_before_reset", default: 0) != 0
        inputForget = try node.int("input_forget", default: 0) != 0
        let defaults: [String] =
            kind == .rnn ? ["Tanh"] : kind == .gru ? ["Sigmoid", "Tanh"] : ["Sigmoid", "Tanh", "Tanh"]
        let names =
            try node.strings("activations")
            ?? Array([[String]](repeating: defaults, count: directions.count).joined())
        guard names.count == defaults.count * directions.count else {
            throw OpError("activations must list \(defaults.count) function(s) per direction, got \(names)")
        }
        let alphas = try node.floats("activation_alpha")?.map(Double.init) ?? []
        let betas = try node.floats("activation_beta")?.map(Double.init) ?? []
        var perDirection: [[Activation]] = []
        for d in directions.indices {
            perDirection.append(
                try (0..<defaults.count).map { k in
                    let index = d * defaults.count + k
                    return try Activation(
                        names[index], alpha: index < alphas.count ? alphas[index] : nil,
                        beta: index < betas.count ? betas[index] : nil)
                })
        }
        activations = perDirection
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let xTensor = try inputs.required(0)
        let w = try inputs.required(1)
        let r = try inputs.required(2)
        guard xTensor.rank == 3, w.rank == 3, r.rank == 3 else {
            throw OpError("X, W and R must be rank 3, got \(xTensor.shape), \(w.shape), \(r.shape)")
        }
        let (seq, batch, inputSize) =
            layout == 0
            ? (xTensor.shape[0], xTensor.shape[1], xTensor.shape[2])
            : (xTensor.shape[1], xTensor.shape[0], xTensor.shape[2])
        let dirs = directions.count
        let hidden = r.shape[2]
        if let hiddenSize, hiddenSize != hidden {
            throw OpError("hidden_size \(hiddenSize) differs from R's \(hidden)")
        }
        let g = gates
        guard w.shape == [dirs, g * hidden, inputSize], r.shape == [dirs, g * hidden, hidden] else {
            throw OpError(
                "W must be [\(dirs), \(g * hidden), \(inputSize)] and R [\(dirs), \(g * hidden), \(hidden)], got \(w.shape) and \(r.shape)"
            )
        }
        let x = try MiscSupport.floats(xTensor, "X")
        let wv = try MiscSupport.floats(w, "W")
        let rv = try MiscSupport.floats(r, "R")
        let bias = try optional(inputs, 3, [dirs, 2 * g * hidden], "B")
        let lengths =
            try inputs.optional(4).map { try ShapeSupport.ints($0, "sequence_lens") }
            ?? [Int](repeating: seq, count: batch)
        guard lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= seq }) else {
            throw OpError("sequence_lens must hold \(batch) lengths in [0, \(seq)], got \(lengths)")
        }
        let stateShape = layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden]
        let h0 = try optional(inputs, 5, stateShape, "initial_h")
        let c0 = kind == .lstm ? try optional(inputs, 6, stateShape, "initial_c") : nil
        let peepholes = kind == .lstm ? try optional(inputs, 7, [dirs, 3 * hidden], "P") : nil

        // Index helpers for the two layouts.
        func xAt(_ t: Int, _ b: Int) -> Int { (layout == 0 ? t * batch + b : b * seq + t) * inputSize }
        func yAt(_ t: Int, _ d: Int, _ b: Int) -> Int {
            (layout == 0 ? (t * dirs + d) * batch + b : (b * seq + t) * dirs + d) * hidden
        }
        func stateAt(_ d: Int, _ b: Int) -> Int { (layout == 0 ? d * batch + b : b * dirs + d) * hidden }

        var y = [Double](repeating: 0, count: seq * dirs * batch * hidden)
        var yh = [Double](repeating: 0, count: dirs * batch * hidden)
        var yc = yh
        var pre = [Double](repeating: 0, count: g * hidden)
        var recurrent = pre
        for (d, backwards) in directions.enumerated() {
            let f = activations[d]
            let wBase = d * g * hidden * inputSize
            let rBase = d * g * hidden * hidden
            for b in 0..<batch {
                var h = (0..<hidden).map { h0?[stateAt(d, b) + $0] ?? 0 }
                var c = (0..<hidden).map { c0?[stateAt(d, b) + $0] ?? 0 }
                for step in 0..<lengths[b] {
                    let t = backwards ? lengths[b] - 1 - step : step
                    // pre = W x + Wb; recurrent = R h + Rb, per gate row.
                    for row in 0..<(g * hidden) {
                        var sum = bias?[d * 2 * g * hidden + row] ?? 0
                        for k in 0..<inputSize { sum += wv[wBase + row * inputSize + k] * x[xAt(t, b) + k] }
                        pre[row] = sum
                        var rsum = bias?[d * 2 * g * hidden + g * hidden + row] ?? 0
                        for k in 0..<hidden { rsum += rv[rBase + row * hidden + k] * h[k] }
                        recurrent[row] = rsum
                    }
                    switch kind {
                    case .rnn:
                        for j in 0..<hidden { h[j] = f[0](clipped(pre[j] + recurrent[j])) }
                    case .gru:
                        let z = (0..<hidden).map { f[0](clipped(pre[$0] + recurrent[$0])) }
                        let reset = (0..<hidden).map {
                            f[0](clipped(pre[hidden + $0] + recurrent[hidden + $0]))
                        }
                        var next = h
                        for j in 0..<hidden {
                            let candidate: Double
                            if linearBeforeReset {
                                candidate = pre[2 * hidden + j] + reset[j] * recurrent[2 * hidden + j]
                            } else {
                                // R_h (r ⊙ h) + Rb_h: the recurrent term sees the reset state.
                                var sum = bias?[d * 2 * g * hidden + g * hidden + 2 * hidden + j] ?? 0
                                for k in 0..<hidden {
                                    sum += rv[rBase + (2 * hidden + j) * hidden + k] * reset[k] * h[k]
                                }
                                candidate = pre[2 * hidden + j] + sum
                            }
                            next[j] = (1 - z[j]) * f[1](clipped(candidate)) + z[j] * h[j]
                        }
                        h = next
                    case .lstm:
                        for j in 0..<hidden {
                            let p = { (k: Int) in peepholes?[d * 3 * hidden + k * hidden + j] ?? 0 }
                            let i = f[0](clipped(pre[j] + recurrent[j] + p(0) * c[j]))
                            let forget =
                                inputForget
                                ? 1 - i
                                : f[0](clipped(pre[2 * hidden + j] + recurrent[2 * hidden + j] + p(2) * c[j]))
                            let candidate = f[1](clipped(pre[3 * hidden + j] + recurrent[3 * hidden + j]))
                            c[j] = forget * c[j] + i * candidate
                            let o = f[0](clipped(pre[hidden + j] + recurrent[hidden + j] + p(1) * c[j]))
                            h[j] = o * f[2](c[j])
                        }
                    }
                    for j in 0..<hidden { y[yAt(t, d, b) + j] = h[j] }
                }
                for j in 0..<hidden {
                    yh[stateAt(d, b) + j] = h[j]
                    yc[stateAt(d, b) + j] = c[j]
                }
            }
        }
        let yShape = layout == 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden]
        var outputs = [
            try MiscSupport.tensor(y, xTensor.dtype, yShape),
            try MiscSupport.tensor(yh, xTensor.dtype, stateShape),
        ]
        if kind == .lstm { outputs.append(try MiscSupport.tensor(yc, xTensor.dtype, stateShape)) }
        return outputs
    }

    private func clipped(_ v: Double) -> Double {
        guard let clip else { return v }
        return min(max(v, -clip), clip)
    }

    /// Optional input `index` as Doubles, checked against `shape`.
    private func optional(_ inputs: [Tensor?], _ index: Int, _ shape: [Int], _ what: String) throws
        -> [Double]?
    {
        guard let tensor = inputs.optional(index) else { return nil }
        guard tensor.shape == shape else { throw OpError("\(what) must be \(shape), got \(tensor.shape)") }
        return try MiscSupport.floats(tensor, what)
    }

    /// One of the activation functions the recurrent ops name by string.
    struct Activation: Sendable {
        let function: @Sendable (Double) -> Double

        func callAsFunction(_ x: Double) -> Double { function(x) }

        init(_ name: String, alpha: Double?, beta: Double?) throws {
            switch name.lowercased() {
            case "sigmoid": function = { 1 / (1 + exp(-$0)) }
            case "tanh": function = { tanh($0) }
            case "relu": function = { max($0, 0) }
            case "affine":
                let (a, b) = (alpha ?? 1, beta ?? 0)
                function = { a * $0 + b }
            case "leakyrelu":
                let a = alpha ?? 0.01
                function = { $0 >= 0 ? $0 : a * $0 }
            case "thresholdedrelu":
                let a = alpha ?? 1
                function = { $0 > a ? $0 : 0 }
            case "scaledtanh":
                let (a, b) = (alpha ?? 1, beta ?? 1)
                function = { a * tanh(b * $0) }
            case "hardsigmoid":
                let (a, b) = (alpha ?? 0.2, beta ?? 0.5)
                function = { min(1, max(0, a * $0 + b)) }
            case "elu":
                let a = alpha ?? 1
                function = { $0 >= 0 ? $0 : a * (exp($0) - 1) }
            case "softsign": function = { $0 / (1 + abs($0)) }
            case "softplus": function = { log1p(exp($0)) }
            default: throw OpError("unknown activation function '\(name)'")
            }
        }
    }
}
