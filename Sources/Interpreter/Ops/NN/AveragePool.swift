import GraphIR
import Kernels
import TensorCore

/// AveragePool: the mean of each window, over the elements inside the image or, with
/// count_include_pad, over the image and its explicit padding.
/// https://onnx.ai/onnx/operators/onnx__AveragePool.html
///
/// X is (N, C, D1…Dn); Y is (N, C, O1…On).
struct AveragePoolOp: Operator {
    let window: WindowAttributes
    let countIncludePad: Bool

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "AveragePool")
        countIncludePad = try context.node.int("count_include_pad", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let countIncludePad = self.countIncludePad
        return [
            try runPool(x, window, "AveragePool") { px, planes, geometry, windows, py in
                Kernels.averagePool(
                    px, planes: planes, inputCount: geometry.inputCount, windows: windows,
                    countIncludePad: countIncludePad, output: py)
            }
        ]
    }
}

/// LpPool: `(Σ |x|^p)^(1/p)` over each window.
/// https://onnx.ai/onnx/operators/onnx__LpPool.html
///
/// X is (N, C, D1…Dn); Y is (N, C, O1…On). `p` is an INT from opset 2 on, a FLOAT before.
struct LpPoolOp: Operator {
    let window: WindowAttributes
    let p: Float

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "LpPool")
        p = try context.node.float("p", default: 2)
        guard p > 0 else { throw OpError("LpPool: p must be positive, got \(p)") }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let p = self.p
        return [
            try runPool(x, window, "LpPool") { px, planes, geometry, windows, py in
                Kernels.lpPool(
                    px, planes: planes, inputCount: geometry.inputCount, windows: windows, p: p, output: py)
            }
        ]
    }
}

/// Resolves the window of a float pooling op over X (N, C, D1…Dn) and runs `kernel` on
/// float32 planes, converting back to X's dtype.
func runPool(
    _ x: Tensor, _ window: WindowAttributes, _ op: String,
    _ kernel: (UnsafePointer<Float>, Int, WindowGeometry, Kernels.PoolWindows, UnsafeMutablePointer<Float>) ->
        Void
) throws(OpError) -> Tensor {
    guard x.rank >= 3 else {
        throw OpError(
            "\(op): X must be (N, C, D1…) with at least one spatial axis, got \(MathSupport.text(x.shape))")
    }
    let spatial = Array(x.shape[2...])
    let geometry = try window.forward(
        input: spatial, kernel: try window.kernel(rank: spatial.count, weights: nil))
    try NNSupport.checkWindowTable(geometry, op)
    let xf = try NNSupport.floats(x, op, "X")
    var y = try ShapeSupport.allocate(.float32, Array(x.shape[..<2]) + geometry.output)
    if y.count > 0 {
        let windows = Kernels.PoolWindows(geometry)
        xf.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                kernel(px.baseAddress!, x.shape[0] * x.shape[1], geometry, windows, py.baseAddress!)
            }
        }
    }
    return try NNSupport.restore(y, to: x.dtype)
}
