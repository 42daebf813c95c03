import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Signal processing: DFT, STFT, the window generators and MelWeightMatrix.
// https://onnx.ai/onnx/operators/onnx__DFT.html, onnx__STFT.html, onnx__HannWindow.html,
// onnx__HammingWindow.html, onnx__BlackmanWindow.html, onnx__MelWeightMatrix.html
// Transforms are direct O(N²) sums in Double: these ops appear in audio front ends on short frames.

/// The longest transform DFT and STFT take (direct sums cost N² per lane).
private let maxLength = 1 << 16

/// A discrete Fourier transform of `count` complex samples (`re`, `im`), forward or inverse
/// (the inverse divides by `count`).
private func transform(_ re: [Double], _ im: [Double], inverse: Bool) -> (re: [Double], im: [Double]) {
    let n = re.count
    var outRe = [Double](repeating: 0, count: n)
    var outIm = outRe
    let sign = inverse ? 1.0 : -1.0
    for k in 0..<n {
        var sumRe = 0.0
        var sumIm = 0.0
        for t in 0..<n {
            // Reduce k·t modulo n first so the angle stays exact for long transforms.
            let angle = sign * 2 * Double.pi * Double((k * t) % n) / Double(n)
            let (c, s) = (cos(angle), sin(angle))
            sumRe += re[t] * c - im[t] * s
            sumIm += re[t] * s + im[t] * c
        }
        outRe[k] = inverse ? sumRe / Double(n) : sumRe
        outIm[k] = inverse ? sumIm / Double(n) : sumIm
    }
    return (outRe, outIm)
}

/// DFT: the (inverse) Fourier transform along `axis` of a real (last axis 1) or complex (last
/// axis 2: real, imaginary) signal.
///
/// Input (…, n, …, 1|2); `dft_length` (optional input) pads or trims the axis to N. Output
/// (…, N, …, 2), or N/2 + 1 bins when `onesided`; an inverse `onesided` transform reads N/2 + 1
/// Hermitian bins and gives the real signal (…, N, …, 1), N defaulting to 2·(bins − 1). The
/// axis is an attribute (default 1) before opset 20 and an input (default −2) from it.
struct DFT: Operator {
    let inverse: Bool
    let onesided: Bool
    /// Opset < 20: the `axis` attribute.
    let axisAttribute: Int?

    init(_ context: OpContext) throws {
        inverse = try context.node.int("inverse", default: 0) != 0
        onesided = try context.node.int("onesided", default: 0) != 0
        axisAttribute = context.opset < 20 ? try context.node.int("axis", default: 1) : nil
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank >= 2, x.shape[x.rank - 1] == 1 || x.shape[x.rank - 1] == 2 else {
            throw OpError("input must be (..., 1 or 2), got \(x.shape)")
        }
        let rawAxis =
            try axisAttribute ?? inputs.optional(2).map { try ShapeSupport.scalarInt($0, "axis") } ?? -2
        let axis = try ShapeSupport.axis(rawAxis, rank: x.rank)
        guard axis < x.rank - 1 else {
            throw OpError("axis \(rawAxis) is the real/imaginary axis of \(x.shape)")
        }
        let complex = x.shape[x.rank - 1] == 2
        let m = x.shape[axis]
        let n =
            try inputs.optional(1).map { try ShapeSupport.scalarInt($0, "dft_length") }
            ?? (inverse && onesided ? 2 * (m - 1) : m)
        // The direct transform costs N² per lane: refuse lengths no audio frame needs.
        guard n > 0, n <= maxLength else { throw OpError("dft_length must be in 1...\(maxLength), got \(n)") }
        let values = try MiscSupport.floats(x, "input")
        let outer = x.shape[..<axis].reduce(1, *)
        let inner = x.shape[(axis + 1)..<(x.rank - 1)].reduce(1, *)
        let channels = complex ? 2 : 1
        let realOutput = inverse && onesided
        let bins = !inverse && onesided ? n / 2 + 1 : n
        var shape = x.shape
        shape[axis] = bins
        shape[x.rank - 1] = realOutput ? 1 : 2
        var out = [Double](repeating: 0, count: outer * bins * inner * (realOutput ? 1 : 2))
        for o in 0..<outer {
            for i in 0..<inner {
                var re = [Double](repeating: 0, count: n)
                var im = re
                let present = realOutput ? min(m, n / 2 + 1) : min(m, n)
                for t in 0..<present {
                    let at = ((o * m + t) * inner + i) * channels
                    re[t] = values[at]
                    im[t] = complex ? values[at + 1] : 0
                }
                if realOutput {
                    // Hermitian completion; the DC (and Nyquist) bins' imaginary parts are dropped, as numpy's irfft does.
                    im[0] = 0
                    if n % 2 == 0, n / 2 < present { im[n / 2] = 0 }
                    for k in (n / 2 + 1)..<max(n, n / 2 + 1) {
                        re[k] = re[n - k]
                        im[k] = -im[n - k]
                    }
                }
                let result = transform(re, im, inverse: inverse)
                for k in 0..<bins {
                    let at = (o * bins + k) * inner + i
                    if realOutput {
                        out[at] = result.re[k]
                    } else {
                        out[at * 2] = result.re[k]
                        out[at * 2 + 1] = result.im[k]
                    }
                }
            }
        }
        return [try MiscSupport.tensor(out, x.dtype, shape)]
    }
}

/// STFT: Fourier transforms of windowed frames of a signal.
///
/// `signal` (batch, length, 1|2), `frame_step` scalar, optional `window` (W) and
/// `frame_length` scalar (one of them gives the frame length L) → (batch, frames, bins, 2) with
/// frames = 1 + (length − L) / frame_step and bins = L/2 + 1 when `onesided` (default), else L.
struct STFT: Operator {
    let onesided: Bool

    init(_ context: OpContext) throws {
        onesided = try context.node.int("onesided", default: 1) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let signal = try inputs.required(0)
        guard signal.rank == 3, signal.shape[2] == 1 || signal.shape[2] == 2 else {
            throw OpError("signal must be (batch, length, 1 or 2), got \(signal.shape)")
        }
        let step = try ShapeSupport.scalarInt(try inputs.required(1), "frame_step")
        let window = try inputs.optional(2).map { try MiscSupport.floats($0, "window") }
        let frameLength =
            try inputs.optional(3).map { try ShapeSupport.scalarInt($0, "frame_length") } ?? window?.count
        guard let length = frameLength, length > 0, step > 0, length <= signal.shape[1], length <= maxLength else {
            throw OpError(
                "need a positive frame_length (or window) at most the signal length \(signal.shape[1]) and a positive frame_step"
            )
        }
        if let window, window.count != length {
            throw OpError("window has \(window.count) samples for frames of \(length)")
        }
        let complex = signal.shape[2] == 2
        let (batch, total) = (signal.shape[0], signal.shape[1])
        let frames = 1 + (total - length) / step
        let bins = onesided ? length / 2 + 1 : length
        let values = try MiscSupport.floats(signal, "signal")
        var out = [Double](repeating: 0, count: batch * frames * bins * 2)
        for b in 0..<batch {
            for f in 0..<frames {
                var re = [Double](repeating: 0, count: length)
                var im = re
                for t in 0..<length {
                    let at = (b * total + f * step + t) * (complex ? 2 : 1)
                    let w = window?[t] ?? 1
                    re[t] = values[at] * w
                    im[t] = complex ? values[at + 1] * w : 0
                }
                let result = transform(re, im, inverse: false)
                for k in 0..<bins {
                    let at = ((b * frames + f) * bins + k) * 2
                    out[at] = result.re[k]
                    out[at + 1] = result.im[k]
                }
            }
        }
        return [try MiscSupport.tensor(out, signal.dtype, [batch, frames, bins, 2])]
    }
}

/// HannWindow, HammingWindow, BlackmanWindow: a window of `size` samples (scalar input) in
/// `output_datatype` (default float32), periodic (N = size, the default) or symmetric (N = size − 1).
struct WindowGenerator: Operator {
    enum Kind { case hann, hamming, blackman }
    let kind: Kind
    let periodic: Bool
    let dtype: DType

    init(_ context: OpContext, kind: Kind) throws {
        self.kind = kind
        periodic = try context.node.int("periodic", default: 1) != 0
        dtype = try QuantizationSupport.dtype(context.node, "output_datatype") ?? .float32
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let size = try ShapeSupport.scalarInt(try inputs.required(0), "size")
        guard size >= 0, size <= 1 << 24 else { throw OpError("window size \(size) is out of range") }
        let n = Double(periodic ? size : size - 1)
        let values = (0..<size).map { i -> Double in
            let x = Double(i)
            switch kind {
            case .hann:
                let s = sin(Double.pi * x / n)
                return s * s
            case .hamming: return 25.0 / 46.0 - (21.0 / 46.0) * cos(2 * Double.pi * x / n)
            case .blackman: return 0.42 - 0.5 * cos(2 * Double.pi * x / n) + 0.08 * cos(4 * Double.pi * x / n)
            }
        }
        return [try MiscSupport.tensor(values, dtype, [size])]
    }
}

/// MelWeightMatrix: (dft_length/2 + 1, num_mel_bins) triangular filters spaced evenly on the mel
/// scale between `lower_edge_hertz` and `upper_edge_hertz`, in `output_datatype` (default
/// float32). Bin edges are computed as the reference implementation does.
struct MelWeightMatrix: Operator {
    let dtype: DType

    init(_ context: OpContext) throws {
        dtype = try QuantizationSupport.dtype(context.node, "output_datatype") ?? .float32
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let melBins = try ShapeSupport.scalarInt(try inputs.required(0), "num_mel_bins")
        let dftLength = try ShapeSupport.scalarInt(try inputs.required(1), "dft_length")
        let sampleRate = try ShapeSupport.scalarInt(try inputs.required(2), "sample_rate")
        let lower = try MiscSupport.floats(try inputs.required(3), "lower_edge_hertz").first ?? 0
        let upper = try MiscSupport.floats(try inputs.required(4), "upper_edge_hertz").first ?? 0
        guard melBins > 0, dftLength > 0, sampleRate > 0, melBins <= 1 << 16, dftLength <= 1 << 24 else {
            throw OpError("num_mel_bins, dft_length and sample_rate must be positive (and of sane size)")
        }
        let spectrumBins = dftLength / 2 + 1
        let toMel = { (hz: Double) in 2595 * log1p(hz / 700) / log(10.0) }
        let (low, high) = (toMel(lower), toMel(upper))
        let step = (high - low) / Double(melBins + 2)
        let edges = (0..<(melBins + 2)).map { i -> Int in
            let hz = 700 * expm1((Double(i) * step + low) / 2595 * log(10.0))
            return Int((Double(dftLength + 1) * hz / Double(sampleRate)).rounded(.down))
        }
        guard edges.allSatisfy({ $0 >= 0 && $0 < spectrumBins }) else {
            throw OpError("mel bin edges \(edges) fall outside the \(spectrumBins) spectrum bins")
        }
        var out = [Double](repeating: 0, count: spectrumBins * melBins)
        for i in 0..<melBins {
            let (left, center, right) = (edges[i], edges[i + 1], edges[i + 2])
            if center == left {
                out[center * melBins + i] = 1
            } else if center > left {
                for j in left...center { out[j * melBins + i] = Double(j - left) / Double(center - left) }
            }
            if right > center {
                for j in center..<right { out[j * melBins + i] = Double(right - j) / Double(right - center) }
            }
        }
        return [try MiscSupport.tensor(out, dtype, [spectrumBins, melBins])]
    }
}
