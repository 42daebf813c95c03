import GraphIR
import TensorCore

/// Det: the determinant of each square matrix in the last two axes.
///
/// https://onnx.ai/onnx/operators/onnx__Det.html
///
/// `X` (…, M, M) float → (…). LU decomposition with partial pivoting, in Double.
struct Det: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank >= 2, x.shape[x.rank - 1] == x.shape[x.rank - 2] else {
            throw OpError("input must be (..., M, M), got \(x.shape)")
        }
        let m = x.shape[x.rank - 1]
        let values = try MiscSupport.floats(x, "Det input")
        let batch = Array(x.shape.dropLast(2))
        let count = batch.reduce(1, *)
        var result = [Double](repeating: 0, count: count)
        for k in 0..<count {
            var a = Array(values[(k * m * m)..<((k + 1) * m * m)])
            result[k] = Self.determinant(&a, m)
        }
        return [try MiscSupport.tensor(result, x.dtype, batch)]
    }

    /// The determinant of the m×m row-major matrix `a` (overwritten by its LU factors).
    static func determinant(_ a: inout [Double], _ m: Int) -> Double {
        var det = 1.0
        for col in 0..<m {
            var pivot = col
            for row in (col + 1)..<max(m, col + 1) where abs(a[row * m + col]) > abs(a[pivot * m + col]) {
                pivot = row
            }
            if a[pivot * m + col] == 0 { return 0 }
            if pivot != col {
                for j in 0..<m { a.swapAt(col * m + j, pivot * m + j) }
                det = -det
            }
            let p = a[col * m + col]
            det *= p
            for row in (col + 1)..<max(m, col + 1) {
                let factor = a[row * m + col] / p
                for j in col..<m { a[row * m + j] -= factor * a[col * m + j] }
            }
        }
        return det
    }
}
