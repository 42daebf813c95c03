#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How Resize reads one axis: for each output position, a fixed number of input taps and
/// their weights. Resize is separable, so an N-d resize is one pass of this per axis.
///
/// Tap placement follows the ONNX reference implementation: the source coordinate x splits
/// into a base `floor(x)` and a ratio in (0, 1] (an integral x counts as base x − 1, ratio 1),
/// taps are `base + start + k` for k < n with `start = 1 − n/2`, and taps outside the input
/// read the edge (or, with exclude_outside, get weight 0 and the rest renormalize).
struct ResizeAxis {
    enum Mode: String, Sendable { case nearest, linear, cubic }

    enum NearestMode: String, Sendable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor, ceil
        /// Resize-10 and Upsample: floor when enlarging, ceil when shrinking (onnxruntime's
        /// behaviour for the opsets that had no nearest_mode).
        case legacy
    }

    enum CoordinateMode: String, Sendable {
        case halfPixel = "half_pixel"
        case halfPixelSymmetric = "half_pixel_symmetric"
        case pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners"
        case asymmetric
        case tfCropAndResize = "tf_crop_and_resize"
    }

    struct Options: Sendable {
        var mode: Mode
        var nearestMode: NearestMode
        var coordinateMode: CoordinateMode
        var cubicCoeffA: Double
        var excludeOutside: Bool
        var antialias: Bool
    }

    let input: Int
    let output: Int
    let taps: Int
    /// (output, taps), already clamped into `0..<input`.
    private(set) var indices: [Int] = []
    private(set) var weights: [Float] = []
    /// Output positions whose source lies outside the region (tf_crop_and_resize only).
    private(set) var extrapolated: [Bool] = []

    /// - Parameters:
    ///   - scale: the axis' scale factor (output / input as requested, not as rounded).
    ///   - roi: start and end of the region of interest, as fractions of the input.
    init(input: Int, output: Int, scale: Double, roi: (Double, Double), _ options: Options) {
        self.input = input
        self.output = output
        let shrink = options.antialias && options.mode != .nearest ? min(scale, 1) : 1
        switch options.mode {
        case .nearest: taps = 2
        case .linear: taps = 2 - 2 * Int((-1 / shrink).rounded(.down) + 1)
        case .cubic: taps = 2 - 2 * Int((-2 / shrink).rounded(.down) + 1)
        }
        let start = 1 - taps / 2
        var coefficients = [Double](repeating: 0, count: taps)
        for o in 0..<output {
            var (x, outside) = Self.sourceCoordinate(
                o, input: input, output: output, scale: scale, roi: roi,
                options.coordinateMode)
            // Only a crop region from the data can put x far out (or make it NaN); such a
            // position is extrapolated, and clamping keeps the Int conversion below safe.
            if !x.isFinite { (x, outside) = (0, true) }
            x = min(max(x, -Double(1 << 40)), Double(1 << 40))
            extrapolated.append(outside)
            var base = x.rounded(.down)
            var ratio = x - base
            if ratio == 0 {
                base -= 1
                ratio = 1
            }
            Self.coefficients(
                &coefficients, ratio: ratio, start: start, shrink: shrink, downsampling: scale < 1, options)
            let first = Int(base) + start
            if options.excludeOutside {
                for k in 0..<taps where !(0..<input).contains(first + k) { coefficients[k] = 0 }
                let sum = coefficients.reduce(0, +)
                if sum != 0 { for k in 0..<taps { coefficients[k] /= sum } }
            }
            for k in 0..<taps {
                indices.append(min(max(first + k, 0), input - 1))
                weights.append(Float(coefficients[k]))
            }
        }
    }

    /// The input coordinate output position `o` samples, and whether it lies outside the
    /// crop region (tf_crop_and_resize).
    private static func sourceCoordinate(
        _ o: Int, input: Int, output: Int, scale: Double, roi: (Double, Double), _ mode: CoordinateMode
    ) -> (Double, Bool) {
        let y = Double(o)
        let length = Double(input)
        // The reference uses the unrounded output length scale·input.
        let outputLength = scale * length
        switch mode {
        case .halfPixel:
            return ((y + 0.5) / scale - 0.5, false)
        case .halfPixelSymmetric:
            let adjustment = Double(output) / outputLength
            let offset = length / 2 * (1 - adjustment)
            return (offset + (y + 0.5) / scale - 0.5, false)
        case .pytorchHalfPixel:
            return (outputLength == 1 ? -0.5 : (y + 0.5) / scale - 0.5, false)
        case .alignCorners:
            return (outputLength == 1 ? 0 : y * (length - 1) / (outputLength - 1), false)
        case .asymmetric:
            return (y / scale, false)
        case .tfCropAndResize:
            let span = roi.1 - roi.0
            var x = outputLength == 1 ? span * (length - 1) / 2 : y * span * (length - 1) / (outputLength - 1)
            x += roi.0 * (length - 1)
            return (x, x < 0 || x > length - 1)
        }
    }

    /// Fills the weights of taps `start…` for a source at `ratio` ∈ (0, 1] past the base.
    private static func coefficients(
        _ c: inout [Double], ratio: Double, start: Int, shrink: Double, downsampling: Bool, _ options: Options
    ) {
        switch options.mode {
        case .nearest:
            var takeCeil: Bool
            switch options.nearestMode {
            case .roundPreferFloor: takeCeil = ratio > 0.5
            case .roundPreferCeil: takeCeil = ratio >= 0.5
            case .floor: takeCeil = false
            case .ceil: takeCeil = true
            case .legacy: takeCeil = downsampling
            }
            if ratio == 1 { takeCeil = true }  // an integral coordinate is its own tap
            c[0] = takeCeil ? 0 : 1
            c[1] = takeCeil ? 1 : 0
        case .linear:
            for k in c.indices { c[k] = max(0, 1 - abs((Double(start + k) - ratio) * shrink)) }
            normalize(&c)
        case .cubic:
            let a = options.cubicCoeffA
            for k in c.indices {
                let x = abs((Double(start + k) - ratio) * shrink)
                c[k] =
                    x <= 1
                    ? ((a + 2) * x - (a + 3)) * x * x + 1
                    : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0
            }
            if options.antialias { normalize(&c) }
        }
    }

    private static func normalize(_ c: inout [Double]) {
        let sum = c.reduce(0, +)
        if sum != 0 { for k in c.indices { c[k] /= sum } }
    }

    /// Resizes axis `axis` of `x` (shape `shape`, row-major) into `y`, whose shape has
    /// `output` there; positions outside a crop region become `extrapolation`.
    func apply(
        _ x: UnsafePointer<Float>, shape: [Int], axis: Int, extrapolation: Float,
        into y: UnsafeMutablePointer<Float>
    ) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        for block in 0..<outer {
            let source = x + block * input * inner
            for o in 0..<output {
                let destination = y + (block * output + o) * inner
                if extrapolated[o] {
                    destination.update(repeating: extrapolation, count: inner)
                    continue
                }
                destination.update(repeating: 0, count: inner)
                for k in 0..<taps {
                    let w = weights[o * taps + k]
                    if w == 0 { continue }
                    let row = source + indices[o * taps + k] * inner
                    for i in 0..<inner { destination[i] += w * row[i] }
                }
            }
        }
    }
}
