import GraphIR
import TensorCore

/// CumProd: running products along `axis`.
///
/// https://onnx.ai/onnx/operators/onnx__CumProd.html
///
/// `x` (outer, n, inner) around `axis` (an int32/int64 scalar input) → same shape.
/// `exclusive` = 1 leaves the current element out (the first product is 1); `reverse` = 1
/// multiplies from the end. Integers wrap, as in CumSum.
struct CumProd: Operator {
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
        guard x.dtype != .bool else { throw OpError("CumProd does not take bool input") }
        return [try Kernel(x: x, axis: axis, exclusive: exclusive, reverse: reverse).dispatch(x.dtype)]
    }

    private struct Kernel: ShapeArithmeticBody {
        let x: Tensor
        let axis: Int
        let exclusive: Bool
        let reverse: Bool

        func run<T: ShapeArithmetic>(_: T.Type) throws -> Tensor {
            var output = try ShapeSupport.allocate(x.dtype, x.shape)
            let (outer, n, inner) = MiscSupport.around(x.shape, axis: axis)
            // ShapeArithmetic has no generic unit; read 1 as this dtype instead.
            let one = try ShapeSupport.tensor([1], dtype: x.dtype, shape: []).scalars(as: T.self)[0]
            x.withUnsafeBufferPointer(of: T.self) { src in
                output.withUnsafeMutableBufferPointer(of: T.self) { dst in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            var product = one
                            for step in 0..<n {
                                let at = (o * n + (reverse ? n - 1 - step : step)) * inner + i
                                if exclusive {
                                    dst[at] = product
                                    product = T.shapeMul(product, src[at])
                                } else {
                                    product = T.shapeMul(product, src[at])
                                    dst[at] = product
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
