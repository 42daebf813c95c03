import GraphIR
import TensorCore

/// CumSum: running sums along `axis`; `exclusive` = 1 leaves the current element out of its
/// sum, `reverse` = 1 sums from the end.
/// https://onnx.ai/onnx/operators/onnx__CumSum.html
typealias CumSum = Cumulative<RunningSum>

/// CumProd: running products along `axis`, with CumSum's attributes (an exclusive product
/// starts at 1). Integers wrap, as in CumSum.
/// https://onnx.ai/onnx/operators/onnx__CumProd.html
typealias CumProd = Cumulative<RunningProduct>

/// How a cumulative op folds its elements: the running value before the first element, and
/// how the running value takes in the next one. Static, so the loop has no dynamic dispatch.
protocol CumulativeFold {
    /// The op's name, for its errors.
    static var opType: String { get }
    static func identity<T: ShapeArithmetic>(_ type: T.Type) throws -> T
    static func combine<T: ShapeArithmetic>(_ running: T, _ element: T) -> T
}

enum RunningSum: CumulativeFold {
    static let opType = "CumSum"
    static func identity<T: ShapeArithmetic>(_ type: T.Type) -> T { T.shapeZero }
    static func combine<T: ShapeArithmetic>(_ running: T, _ element: T) -> T { T.shapeAdd(running, element) }
}

enum RunningProduct: CumulativeFold {
    static let opType = "CumProd"
    static func identity<T: ShapeArithmetic>(_ type: T.Type) throws -> T {
        // ShapeArithmetic has no generic unit; read 1 as this dtype instead.
        try ShapeSupport.tensor([1], dtype: T.dtype, shape: []).scalars(as: T.self)[0]
    }
    static func combine<T: ShapeArithmetic>(_ running: T, _ element: T) -> T { T.shapeMul(running, element) }
}

/// A running fold (CumSum, CumProd) along `axis`.
///
/// `x` (outer, n, inner) viewed around `axis` (an int32/int64 scalar input) → same shape.
/// `exclusive` = 1 leaves the current element out of its result; `reverse` = 1 folds from the end.
struct Cumulative<Fold: CumulativeFold>: Operator {
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
        guard x.dtype != .bool else { throw OpError("\(Fold.opType) does not take bool input") }
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
            let (outer, n, inner) = MiscSupport.around(x.shape, axis: axis)
            let identity = try Fold.identity(T.self)
            x.withUnsafeBufferPointer(of: T.self) { src in
                output.withUnsafeMutableBufferPointer(of: T.self) { dst in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            var running = identity
                            for step in 0..<n {
                                let at = (o * n + (reverse ? n - 1 - step : step)) * inner + i
                                if exclusive {
                                    dst[at] = running
                                    running = Fold.combine(running, src[at])
                                } else {
                                    running = Fold.combine(running, src[at])
                                    dst[at] = running
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
