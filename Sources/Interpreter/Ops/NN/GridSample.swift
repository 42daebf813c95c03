import GraphIR
import TensorCore

/// GridSample: samples X at the normalized positions of `grid`, with nearest, (multi)linear
/// or (multi)cubic interpolation and zeros, border or reflection padding.
/// https://onnx.ai/onnx/operators/onnx__GridSample.html
///
/// X is (N, C, D1…Dr), grid is (N, O1…Or, r) with coordinates in [−1, 1] listed innermost
/// axis first (x, y, …); Y is (N, C, O1…Or). Arithmetic is float32, as in the ONNX reference.
struct GridSampleOp: Operator {
    enum Mode: Sendable { case nearest, linear, cubic }
    enum Padding: String, Sendable { case zeros, border, reflection }

    let mode: Mode
    let padding: Padding
    let alignCorners: Bool

    init(_ context: OpContext) throws {
        let node = context.node
        let modeText = try node.string("mode", default: "linear")
        switch modeText {
        case "nearest": mode = .nearest
        case "linear", "bilinear": mode = .linear  // bilinear and bicubic: opset 16 names
        case "cubic", "bicubic": mode = .cubic
        default: throw OpError("GridSample: mode '\(modeText)' is not nearest, linear or cubic")
        }
        let paddingText = try node.string("padding_mode", default: "zeros")
        guard let padding = Padding(rawValue: paddingText) else {
            throw OpError("GridSample: padding_mode '\(paddingText)' is not zeros, border or reflection")
        }
        self.padding = padding
        alignCorners = try node.int("align_corners", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let grid = try inputs.required(1)
        let rank = x.rank - 2
        guard rank >= 1, grid.rank == rank + 2, grid.shape[0] == x.shape[0], grid.shape[rank + 1] == rank
        else {
            throw OpError(
                "GridSample: X (N, C, D1…Dr) needs grid (N, O1…Or, r); got X \(MathSupport.text(x.shape)), grid \(MathSupport.text(grid.shape))"
            )
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        let dims = Array(x.shape[2...])
        let outDims = Array(grid.shape[1...rank])
        let inCount = dims.reduce(1, *)
        let outCount = outDims.reduce(1, *)
        let strides = Shape.strides(dims)
        let xf = try NNSupport.floats(x, "GridSample", "X")
        let gf = try NNSupport.floats(grid, "GridSample", "grid")
        var y = try ShapeSupport.allocate(.float32, [batch, channels] + outDims)
        xf.withUnsafeBufferPointer(of: Float.self) { px in
            gf.withUnsafeBufferPointer(of: Float.self) { pg in
                y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                    var taps = [[(index: Int, weight: Float)]](repeating: [], count: rank)
                    for n in 0..<batch {
                        for o in 0..<outCount {
                            let coordinates = pg.baseAddress! + (n * outCount + o) * rank
                            for a in 0..<rank {
                                // grid lists the innermost axis first.
                                taps[a] = axisTaps(coordinates[rank - 1 - a], length: dims[a])
                            }
                            for c in 0..<channels {
                                let plane = px.baseAddress! + (n * channels + c) * inCount
                                py[(n * channels + c) * outCount + o] = sample(plane, taps, strides)
                            }
                        }
                    }
                }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }

    /// Σ over the tap product of weight × element; a tap with index −1 reads zero.
    private func sample(
        _ plane: UnsafePointer<Float>, _ taps: [[(index: Int, weight: Float)]], _ strides: [Int]
    ) -> Float {
        var sum: Float = 0
        var choice = [Int](repeating: 0, count: taps.count)
        while true {
            var weight: Float = 1
            var offset = 0
            var inside = true
            for a in 0..<taps.count {
                let tap = taps[a][choice[a]]
                weight *= tap.weight
                if tap.index < 0 { inside = false } else { offset += tap.index * strides[a] }
            }
            if inside { sum += weight * plane[offset] }
            var a = taps.count - 1
            while a >= 0 {
                choice[a] += 1
                if choice[a] < taps[a].count { break }
                choice[a] = 0
                a -= 1
            }
            if a < 0 { return sum }
        }
    }

    /// The input positions (−1 for zero padding) and weights that normalized coordinate `g`
    /// reads along an axis of `length` elements.
    private func axisTaps(_ g: Float, length: Int) -> [(index: Int, weight: Float)] {
        let size = Float(length)
        var x = alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2
        let (low, high): (Float, Float) = alignCorners ? (0, size - 1) : (-0.5, size - 0.5)
        if mode == .nearest { x = x.rounded(.toNearestOrEven) }
        if x < low || x > high {
            switch padding {
            case .zeros: break
            case .border: x = min(max(x, 0), size - 1)
            case .reflection: x = reflect(x, low, high)
            }
        }
        // Only zeros padding leaves x outside; any tap there reads zero, so clamping far-away
        // (or non-finite) coordinates changes nothing and keeps the Int conversions safe.
        guard x.isFinite else { return [(-1, 0)] }
        x = min(max(x, low - 4), high + 4)
        switch mode {
        case .nearest:
            return [(pixel(Int(x), length, low, high), 1)]
        case .linear:
            let x0 = x.rounded(.down)
            let t = x - x0
            let i = Int(x0)
            return [(pixel(i, length, low, high), 1 - t), (pixel(i + 1, length, low, high), t)]
        case .cubic:
            let x0 = x.rounded(.down)
            let t = x - x0
            let i = Int(x0)
            let a: Float = -0.75
            func far(_ d: Float) -> Float { ((a * d - 5 * a) * d + 8 * a) * d - 4 * a }  // 1 ≤ d < 2
            func near(_ d: Float) -> Float { ((a + 2) * d - (a + 3)) * d * d + 1 }  // d ≤ 1
            return [
                (pixel(i - 1, length, low, high), far(t + 1)), (pixel(i, length, low, high), near(t)),
                (pixel(i + 1, length, low, high), near(1 - t)), (pixel(i + 2, length, low, high), far(2 - t)),
            ]
        }
    }

    /// The element an integer position reads under the padding mode; −1 means zero.
    private func pixel(_ i: Int, _ length: Int, _ low: Float, _ high: Float) -> Int {
        if (0..<length).contains(i) { return i }
        switch padding {
        case .zeros: return -1
        case .border: return min(max(i, 0), length - 1)
        case .reflection: return min(max(Int(reflect(Float(i), low, high)), 0), length - 1)
        }
    }

    /// Folds `x` back into [low, high] by reflecting at the nearer border until it lands inside.
    private func reflect(_ x: Float, _ low: Float, _ high: Float) -> Float {
        let span = high - low
        guard span > 0, x.isFinite else { return low }
        if x < low {
            let d = low - x
            let flips = (d / span).rounded(.towardZero)
            let r = d - flips * span
            return flips.truncatingRemainder(dividingBy: 2) == 0 ? low + r : high - r
        }
        if x > high {
            let d = x - high
            let flips = (d / span).rounded(.towardZero)
            let r = d - flips * span
            return flips.truncatingRemainder(dividingBy: 2) == 0 ? high - r : low + r
        }
        return x
    }
}
