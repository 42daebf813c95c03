import GraphIR
import TensorCore

/// Trilu: keeps the upper or lower triangle of each matrix and zeroes the rest.
///
/// https://onnx.ai/onnx/operators/onnx__Trilu.html
///
/// `input` (…, N, M), optional `k` int64 scalar (diagonal offset, default 0) → same shape.
/// `upper` = 1 keeps elements with j - i ≥ k, `upper` = 0 keeps j - i ≤ k. Zeroing is a
/// byte fill, so every dtype works (all-zero bytes are 0, 0.0 and false).
struct Trilu: Operator {
    let upper: Bool

    init(_ context: OpContext) throws {
        upper = try context.node.int("upper", default: 1) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        var output = try inputs.required(0)
        guard output.rank >= 2 else { throw OpError("input must have rank ≥ 2, got shape \(output.shape)") }
        let k = try inputs.optional(1).map { t throws(OpError) in try ShapeSupport.scalarInt(t, "k") } ?? 0
        let rows = output.shape[output.rank - 2]
        let columns = output.shape[output.rank - 1]
        guard output.count > 0 else { return [output] }
        let matrices = output.count / (rows * columns)
        let size = output.dtype.byteSize
        let upper = upper
        output.withUnsafeMutableRawBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            for m in 0..<matrices {
                for i in 0..<rows {
                    let row = base + (m * rows + i) * columns * size
                    // Clamp i + k first: k may be any int64.
                    let diagonal = min(
                        max(i.addingReportingOverflow(k).overflow ? (k > 0 ? columns : -1) : i + k, -1),
                        columns)
                    let zeroed = upper ? 0..<max(diagonal, 0) : min(diagonal + 1, columns)..<columns
                    if !zeroed.isEmpty {
                        (row + zeroed.lowerBound * size).initializeMemory(
                            as: UInt8.self, repeating: 0, count: zeroed.count * size)
                    }
                }
            }
        }
        return [output]
    }
}
