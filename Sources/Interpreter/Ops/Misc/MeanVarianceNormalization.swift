import GraphIR
import TensorCore

/// MeanVarianceNormalization: `(X − mean) / (sqrt(variance) + 1e-9)` over `axes`.
///
/// https://onnx.ai/onnx/operators/onnx__MeanVarianceNormalization.html
///
/// Same shape and dtype as `X`; `axes` default [0, 2, 3] (per channel of NCHW). The variance
/// is E[X²] − E[X]², as the op's function body computes it.
struct MeanVarianceNormalization: Operator {
    let axes: [Int]

    init(_ context: OpContext) throws {
        axes = try context.node.ints("axes") ?? [0, 2, 3]
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axes = Set(try ShapeSupport.axes(axes, rank: x.rank))
        var values = try MiscSupport.floats(x, "MeanVarianceNormalization input")
        // Group elements by their coordinates off `axes`.
        let strides = Shape.strides(x.shape)
        var group = [Int](repeating: 0, count: values.count)
        var groups = 1
        var groupStride = [Int](repeating: 0, count: x.rank)
        for axis in (0..<x.rank).reversed() where !axes.contains(axis) {
            groupStride[axis] = groups
            groups *= x.shape[axis]
        }
        for flat in 0..<values.count {
            var g = 0
            for axis in 0..<x.rank { g += (flat / strides[axis]) % x.shape[axis] * groupStride[axis] }
            group[flat] = g
        }
        var sum = [Double](repeating: 0, count: groups)
        var squares = sum
        var count = sum
        for (flat, v) in values.enumerated() {
            sum[group[flat]] += v
            squares[group[flat]] += v * v
            count[group[flat]] += 1
        }
        for flat in values.indices {
            let g = group[flat]
            let mean = sum[g] / count[g]
            let deviation = (squares[g] / count[g] - mean * mean).squareRoot()
            values[flat] = (values[flat] - mean) / (deviation + 1e-9)
        }
        return [try MiscSupport.tensor(values, x.dtype, x.shape)]
    }
}
