import GraphIR
import TensorCore

/// AffineGrid: the sampling grid of an affine transform, for GridSample.
/// https://onnx.ai/onnx/operators/onnx__AffineGrid.html
///
/// theta is (N, 2, 3) with size (N, C, H, W), giving a grid (N, H, W, 2); or (N, 3, 4) with
/// size (N, C, D, H, W), giving (N, D, H, W, 3). Each grid point is theta · (x, y[, z], 1)
/// for the normalized base coordinates of the output position (x along W).
struct AffineGridOp: Operator {
    let alignCorners: Bool

    init(_ context: OpContext) throws {
        alignCorners = try context.node.int("align_corners", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let theta = try inputs.required(0)
        let size = try ShapeSupport.ints(try inputs.required(1), "AffineGrid size")
        let spatial = size.count - 2
        guard spatial == 2 || spatial == 3, theta.rank == 3, theta.shape == [size[0], spatial, spatial + 1],
            size.allSatisfy({ $0 >= 0 })
        else {
            throw OpError(
                "AffineGrid: size must be (N, C, H, W) or (N, C, D, H, W) and theta (N, 2, 3) or (N, 3, 4) to match; got size \(size), theta \(MathSupport.text(theta.shape))"
            )
        }
        let dims = Array(size[2...])
        let count = try ShapeSupport.product(dims)
        let matrices = try NNSupport.floats(theta, "AffineGrid", "theta").scalars(as: Float.self).map(
            Double.init)
        var grid = try ShapeSupport.allocate(.float32, [size[0]] + dims + [spatial])
        // Base coordinate i of an axis with `length` points, in [−1, 1].
        let alignCorners = self.alignCorners
        func base(_ i: Int, _ length: Int) -> Double {
            if alignCorners { return length == 1 ? -1 : -1 + 2 * Double(i) / Double(length - 1) }
            return -1 + (2 * Double(i) + 1) / Double(length)
        }
        grid.withUnsafeMutableBufferPointer(of: Float.self) { out in
            var at = 0
            for n in 0..<size[0] {
                let m = Array(matrices[(n * spatial * (spatial + 1))...].prefix(spatial * (spatial + 1)))
                for flat in 0..<count {
                    // Homogeneous point: innermost axis first (x, y, z), then 1.
                    var point = [Double](repeating: 1, count: spatial + 1)
                    var rest = flat
                    for a in stride(from: spatial - 1, through: 0, by: -1) {
                        point[spatial - 1 - a] = base(rest % dims[a], dims[a])
                        rest /= dims[a]
                    }
                    for row in 0..<spatial {
                        var value = 0.0
                        for col in 0...spatial { value += m[row * (spatial + 1) + col] * point[col] }
                        out[at] = Float(value)
                        at += 1
                    }
                }
            }
        }
        return [try NNSupport.restore(grid, to: theta.dtype)]
    }
}
