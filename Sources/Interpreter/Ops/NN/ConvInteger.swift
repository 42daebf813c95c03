import GraphIR
import Kernels
import TensorCore

/// ConvInteger: Conv on 8-bit integers with zero points, accumulated exactly into int32.
/// https://onnx.ai/onnx/operators/onnx__ConvInteger.html
///
/// x is (N, C, D1…Dn) uint8/int8 with an optional scalar x_zero_point; w is (M, C/group,
/// k1…kn) with an optional scalar or per-output-channel (M) w_zero_point; y is int32.
struct ConvIntegerOp: Operator {
    let window: WindowAttributes
    let group: Int

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "ConvInteger")
        group = try context.node.int("group", default: 1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let w = try inputs.required(1)
        let (sums, shape) = try integerConvolution(
            "ConvInteger", x: x, xZeroPoint: inputs.optional(2), w: w, wZeroPoint: inputs.optional(3),
            bias: nil, window: window, group: group)
        return [try ShapeSupport.tensor(sums, dtype: .int32, shape: shape)]
    }
}

/// Σ (x − x_zero_point)·(w − w_zero_point) (+ bias) over each window of a grouped convolution,
/// exact: the 8-bit differences are exact in float32 for im2col, and the products accumulate
/// in float64 (dgemm), exact far beyond int32. Returns the sums and Y's shape (N, M, O1…On).
func integerConvolution(
    _ op: String, x: Tensor, xZeroPoint: Tensor?, w: Tensor, wZeroPoint: Tensor?, bias: Tensor?,
    window: WindowAttributes, group: Int
) throws(OpError) -> ([Double], [Int]) {
    for (name, t) in [("x", x), ("w", w)] where t.dtype != .uint8 && t.dtype != .int8 {
        throw OpError("\(op): \(name) must be uint8 or int8, got \(t.dtype)")
    }
    guard x.rank >= 3, w.rank == x.rank, (1...WindowAttributes.maxAttributeValue).contains(group) else {
        throw OpError(
            "\(op): x must be (N, C, D1…) and w of the same rank, group ≥ 1; got x \(MathSupport.text(x.shape)), w \(MathSupport.text(w.shape)), group \(group)"
        )
    }
    let (batch, channels, outChannels) = (x.shape[0], x.shape[1], w.shape[0])
    guard w.shape[1] * group == channels, outChannels % group == 0 else {
        throw OpError(
            "\(op): with group \(group), x's \(channels) channels need w of shape (M, \(channels / group), …) with M divisible by \(group); got w \(MathSupport.text(w.shape))"
        )
    }
    let spatial = Array(x.shape[2...])
    let kernel = try window.kernel(rank: spatial.count, weights: Array(w.shape[2...]))
    let g = try window.forward(input: spatial, kernel: kernel)
    let (cg, mg) = (channels / group, outChannels / group)
    let rows = try ShapeSupport.product([cg, g.kernelCount])
    let columnCount = try ShapeSupport.product([rows, g.outputCount])
    try MathSupport.checkBLAS(op, [rows, g.outputCount])

    let xZero = try zeroPoints(xZeroPoint, count: 1, op, "x_zero_point")[0]
    let wZero = try zeroPoints(wZeroPoint, count: outChannels, op, "w_zero_point")
    // 8-bit tensors: intValues cannot fail on them.
    let xValues = ((try? x.intValues()) ?? []).map { Float(Double($0) - xZero) }
    let perChannel = w.count / max(outChannels, 1)
    let wValues = ((try? w.intValues()) ?? []).enumerated().map { i, v in
        Double(v) - wZero[i / max(perChannel, 1)]
    }
    var biasValues = [Double](repeating: 0, count: outChannels)
    if let bias {
        guard bias.rank == 1, bias.count == outChannels else {
            throw OpError("\(op): B must have shape [\(outChannels)], got \(MathSupport.text(bias.shape))")
        }
        do { biasValues = try bias.doubleValues() } catch { throw OpError("\(op): B: \(error)") }
    }
    let shape = [batch, outChannels] + g.output
    var sums = [Double](repeating: 0, count: try ShapeSupport.product(shape))
    guard !sums.isEmpty else { return (sums, shape) }
    var columns = [Float](repeating: 0, count: columnCount)
    var wide = [Double](repeating: 0, count: columnCount)
    for n in 0..<batch {
        for gi in 0..<group {
            xValues.withUnsafeBufferPointer { px in
                columns.withUnsafeMutableBufferPointer { pc in
                    Kernels.im2col(
                        px.baseAddress! + (n * channels + gi * cg) * g.inputCount, channels: cg,
                        geometry: g, columns: pc.baseAddress!)
                }
            }
            for i in 0..<columnCount { wide[i] = Double(columns[i]) }
            wValues.withUnsafeBufferPointer { pw in
                wide.withUnsafeBufferPointer { pb in
                    sums.withUnsafeMutableBufferPointer { ps in
                        // y (mg, outCount) = W_group (mg, rows) · columns (rows, outCount)
                        Kernels.dgemm(
                            transA: false, transB: false, m: mg, n: g.outputCount, k: rows, alpha: 1,
                            a: pw.baseAddress! + gi * mg * rows, lda: rows, b: pb.baseAddress!,
                            ldb: max(g.outputCount, 1), beta: 0,
                            c: ps.baseAddress! + (n * outChannels + gi * mg) * g.outputCount,
                            ldc: max(g.outputCount, 1))
                    }
                }
            }
        }
        for m in 0..<outChannels where biasValues[m] != 0 {
            let start = (n * outChannels + m) * g.outputCount
            for i in start..<(start + g.outputCount) { sums[i] += biasValues[m] }
        }
    }
    return (sums, shape)
}

/// A zero-point input: absent (0), a scalar, or `count` values (per channel).
private func zeroPoints(_ t: Tensor?, count: Int, _ op: String, _ what: String) throws(OpError) -> [Double] {
    guard let t else { return Array(repeating: 0, count: max(count, 1)) }
    let values: [Double]
    do { values = try t.doubleValues() } catch { throw OpError("\(op): \(what): \(error)") }
    if values.count == 1 { return Array(repeating: values[0], count: max(count, 1)) }
    guard values.count == count else {
        throw OpError(
            "\(op): \(what) must be a scalar or hold \(count) values, got shape \(MathSupport.text(t.shape))")
    }
    return values
}
