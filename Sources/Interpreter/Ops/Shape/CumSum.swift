import GraphIR
import TensorCore

/// CumSum: running sums along `axis`.
///
/// https://onnx.ai/onnx/operators/onnx__CumSum.html
///
/// `x` (outer, n, inner) viewed around `axis` (an int32/int64 scalar input) → same shape.
/// `exclusive` = 1 leaves the current element out of its sum; `reverse` = 1 sums from the end.
struct CumSum: Operator {
    let exclusive: Bool
    let reverse: Bool

    init(_ context: OpContext) throws {
        exclusive = try context.node.int("exclusive", default: 0) != 0
        reverse = try context.node.int("reverse", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axis = try ShapeSupport.axis(
            try ShapeSupport.scalarInt(try inputs.required(1), "axis"), rank: x.rank)
        guard x.dtype != .bool else { throw OpError("CumSum does not take bool input") }
        let kernel = Kernel(x: x, axis: axis, exclusive: exclusive, reverse: reverse)
        return [try kernel.dispatch(x.dtype)]
    }

    private struct Kernel: ShapeArithmeticBody {
        let x: Tensor
        let axis: Int
        let exclusive: Bool
        let reverse: Bool

        func run<T: ShapeArithmetic>(_: T.Type) throws -> Tensor {
            var output = try ShapeSupport.allocate(x.dtype, x.shape)
            let n = x.shape[axis]
            let inner = x.shape[(axis + 1)...].reduce(1, *)
            let outer = x.shape[..<axis].reduce(1, *)
            x.withUnsafeBufferPointer(of: T.self) { src in
                output.withUnsafeMutableBufferPointer(of: T.self) { dst in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            var sum = T.shapeZero
                            for step in 0..<n {
                                let j = reverse ? n - 1 - step : step
                                let at = (o * n + j) * inner + i
                                if exclusive {
                                    dst[at] = sum
                                    sum = T.shapeAdd(sum, src[at])
                                } else {
                                    sum = T.shapeAdd(sum, src[at])
                                    dst[at] = sum
                                }
                            }
                        }
                    }
                }
            }
            return output
        }
    }
}
