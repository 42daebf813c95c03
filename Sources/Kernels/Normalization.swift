#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Row normalizations: layer normalization (zero mean, unit variance) and RMS normalization,
/// each followed by an optional per-column affine transform.
extension Kernels {
    /// Layer normalization of each row: `y = (x − mean) / sqrt(var + epsilon) · scale + bias`.
    ///
    /// x and y are (rows, cols) and y may alias x; scale and bias are (cols) or nil (1 and 0);
    /// mean and invStdDev, when given, receive (rows). The variance is the population variance
    /// computed in two passes (mean first, then squared deviations), which stays accurate when
    /// the mean is large next to the spread.
    public static func layerNormalization(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        scale: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, epsilon: Float,
        mean meanOut: UnsafeMutablePointer<Float>? = nil,
        invStdDev invStdDevOut: UnsafeMutablePointer<Float>? = nil
    ) {
        guard cols > 0 else {
            // Mean of nothing: NaN, as the reference's 0/0 gives.
            for r in 0..<rows {
                meanOut?[r] = .nan
                invStdDevOut?[r] = .nan
            }
            return
        }
        // Rows split over the threads once there are ~32K elements per thread.
        parallelParts(rows, minimumPart: Swift.max(1, (32 << 10) / cols)) { part in
            for r in part {
                let row = x + r * cols
                let out = y + r * cols
                let mean = rowSum(row, cols) / Float(cols)
                let meanV = Vector(repeating: mean)
                var squares = Vector(repeating: 0)
                var i = 0
                while i + lanes <= cols {
                    let d = load(row, i) - meanV
                    squares += d * d
                    i += lanes
                }
                if i < cols {
                    let d = loadPartial(row, i, count: cols - i, fill: mean) - meanV
                    squares += d * d
                }
                let invStdDev = 1 / (squares.sum() / Float(cols) + epsilon).squareRoot()
                affineRow(row, out, cols, shift: mean, factor: invStdDev, scale: scale, bias: bias)
                meanOut?[r] = mean
                invStdDevOut?[r] = invStdDev
            }
        }
    }

    /// RMS normalization of each row: `y = x / sqrt(mean(x²) + epsilon) · scale`.
    ///
    /// x and y are (rows, cols) and y may alias x; scale is (cols) or nil (1).
    public static func rmsNormalization(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        scale: UnsafePointer<Float>?, epsilon: Float
    ) {
        guard cols > 0 else { return }
        for r in 0..<rows {
            let row = x + r * cols
            var squares = Vector(repeating: 0)
            var i = 0
            while i + lanes <= cols {
                let v = load(row, i)
                squares += v * v
                i += lanes
            }
            if i < cols {
                let v = loadPartial(row, i, count: cols - i, fill: 0)
                squares += v * v
            }
            let factor = 1 / (squares.sum() / Float(cols) + epsilon).squareRoot()
            affineRow(row, y + r * cols, cols, shift: 0, factor: factor, scale: scale, bias: nil)
        }
    }

    /// Reference layer normalization in Double (RMS normalization when `rms`): used by tests
    /// and for float64 tensors. Same shapes as ``layerNormalization(_:_:rows:cols:scale:bias:epsilon:mean:invStdDev:)``.
    public static func normalizationNaive(
        _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, rows: Int, cols: Int,
        scale: UnsafePointer<Double>?, bias: UnsafePointer<Double>?, epsilon: Double, rms: Bool = false,
        mean meanOut: UnsafeMutablePointer<Double>? = nil,
        invStdDev invStdDevOut: UnsafeMutablePointer<Double>? = nil
    ) {
        for r in 0..<rows {
            var mean = 0.0
            if !rms {
                for j in 0..<cols { mean += x[r * cols + j] }
                mean /= Double(cols)
            }
            var variance = 0.0
            for j in 0..<cols { variance += (x[r * cols + j] - mean) * (x[r * cols + j] - mean) }
            variance /= Double(cols)
            let invStdDev = 1 / sqrt(variance + epsilon)
            for j in 0..<cols {
                let normalized = (x[r * cols + j] - mean) * invStdDev
                y[r * cols + j] = normalized * (scale?[j] ?? 1) + (bias?[j] ?? 0)
            }
            meanOut?[r] = mean
            invStdDevOut?[r] = invStdDev
        }
    }

    // x and y are (n), scale and bias (n) or nil; y = (x − shift)·factor·scale + bias.
    @inline(__always)
    private static func affineRow(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, shift: Float, factor: Float,
        scale: UnsafePointer<Float>?, bias: UnsafePointer<Float>?
    ) {
        let shiftV = Vector(repeating: shift), factorV = Vector(repeating: factor)
        var i = 0
        while i + lanes <= n {
            var v = (load(x, i) - shiftV) * factorV
            if let scale { v *= load(scale, i) }
            if let bias { v += load(bias, i) }
            store(v, y, i)
            i += lanes
        }
        for j in i..<n {
            var v = (x[j] - shift) * factor
            if let scale { v *= scale[j] }
            if let bias { v += bias[j] }
            y[j] = v
        }
    }
}
