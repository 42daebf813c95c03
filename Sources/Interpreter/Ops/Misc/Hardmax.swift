import GraphIR
import TensorCore

/// Hardmax: 1 at the first maximum along an axis, 0 elsewhere.
///
/// https://onnx.ai/onnx/operators/onnx__Hardmax.html
///
/// Same shape and dtype as the input. From opset 13 the maximum is taken along the single axis
/// `axis` (default −1); before, the input is coerced to 2-D at `axis` (default 1) and the
/// maximum is over each row of that matrix, as Softmax did then.
struct Hardmax: Operator {
    let axis: Int
    let flattens: Bool

    init(_ context: OpContext) throws {
        flattens = context.opset < 13
        axis = try context.node.int("axis", default: flattens ? 1 : -1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axis = try ShapeSupport.axis(axis, rank: flattens ? x.rank + 1 : x.rank)
        let outer = x.shape[..<axis].reduce(1, *)
        let n = flattens ? x.shape[axis...].reduce(1, *) : x.shape[axis]
        let inner = flattens ? 1 : x.shape[(axis + 1)...].reduce(1, *)
        let values = try MiscSupport.floats(x, "Hardmax input")
        var y = [Double](repeating: 0, count: values.count)
        if n > 0 {
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var best = 0
                    for j in 1..<n where values[base + j * inner] > values[base + best * inner] { best = j }
                    y[base + best * inner] = 1
                }
            }
        }
        return [try MiscSupport.tensor(y, x.dtype, x.shape)]
    }
}
