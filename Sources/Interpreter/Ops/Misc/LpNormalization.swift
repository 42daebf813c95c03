import GraphIR
import TensorCore

/// LpNormalization: each lane along `axis` divided by its L1 or L2 norm.
///
/// https://onnx.ai/onnx/operators/onnx__LpNormalization.html
///
/// Same shape and dtype as the input; `axis` default −1, `p` 1 or 2 (default 2). A lane whose
/// norm is 0 stays 0 (the reference's 0/0 = 0).
struct LpNormalization: Operator {
    let axis: Int
    let p: Int

    init(_ context: OpContext) throws {
        axis = try context.node.int("axis", default: -1)
        p = try context.node.int("p", default: 2)
        guard p == 1 || p == 2 else { throw OpError("p must be 1 or 2, got \(p)") }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axis = try ShapeSupport.axis(axis, rank: x.rank)
        let (outer, n, inner) = MiscSupport.around(x.shape, axis: axis)
        var values = try MiscSupport.floats(x, "LpNormalization input")
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var norm = 0.0
                for j in 0..<n {
                    let v = values[base + j * inner]
                    norm += p == 1 ? abs(v) : v * v
                }
                if p == 2 { norm = norm.squareRoot() }
                for j in 0..<n {
                    values[base + j * inner] = norm == 0 ? 0 : values[base + j * inner] / norm
                }
            }
        }
        return [try MiscSupport.tensor(values, x.dtype, x.shape)]
    }
}
