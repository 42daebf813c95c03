import GraphIR
import Kernels
import TensorCore

/// MaxPool: the largest element of each window, and optionally where it was (Indices: flat
/// positions in X, with the spatial axes column-major when storage_order = 1).
/// https://onnx.ai/onnx/operators/onnx__MaxPool.html
///
/// X is (N, C, D1…Dn); Y and Indices are (N, C, O1…On). Padding never wins (it is −∞, or the
/// type's minimum for integers).
struct MaxPoolOp: Operator {
    let window: WindowAttributes
    let columnMajor: Bool
    let wantsIndices: Bool

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "MaxPool")
        let storageOrder = try context.node.int("storage_order", default: 0)
        guard storageOrder == 0 || storageOrder == 1 else {
            throw OpError(
                "MaxPool: storage_order must be 0 (row major) or 1 (column major), got \(storageOrder)")
        }
        columnMajor = storageOrder == 1
        wantsIndices = context.node.outputs.count > 1
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank >= 3 else {
            throw OpError(
                "MaxPool: X must be (N, C, D1…) with at least one spatial axis, got \(MathSupport.text(x.shape))"
            )
        }
        let spatial = Array(x.shape[2...])
        let geometry = try window.forward(
            input: spatial, kernel: try window.kernel(rank: spatial.count, weights: nil))
        try NNSupport.checkWindowTable(geometry, "MaxPool")
        let windows = Kernels.PoolWindows(geometry, columnMajor: columnMajor)
        let outShape = Array(x.shape[..<2]) + geometry.output
        var indices = try ShapeSupport.allocate(.int64, wantsIndices ? outShape : [0])
        let y: Tensor
        switch x.dtype {
        case .float32: y = try pool(x, Float.self, -.infinity, windows, geometry, outShape, &indices)
        case .float64: y = try pool(x, Double.self, -.infinity, windows, geometry, outShape, &indices)
        case .float16: y = try pool(x, Float16.self, -.infinity, windows, geometry, outShape, &indices)
        case .bfloat16:
            // Exact both ways: every bfloat16 is a float32.
            let wide = try pool(
                MathSupport.cast(x, to: .float32), Float.self, -.infinity, windows, geometry, outShape,
                &indices)
            y = try MathSupport.cast(wide, to: .bfloat16)
        case .int8: y = try pool(x, Int8.self, .min, windows, geometry, outShape, &indices)
        case .uint8: y = try pool(x, UInt8.self, .min, windows, geometry, outShape, &indices)
        case .int16: y = try pool(x, Int16.self, .min, windows, geometry, outShape, &indices)
        case .uint16: y = try pool(x, UInt16.self, .min, windows, geometry, outShape, &indices)
        case .int32: y = try pool(x, Int32.self, .min, windows, geometry, outShape, &indices)
        case .uint32: y = try pool(x, UInt32.self, .min, windows, geometry, outShape, &indices)
        case .int64: y = try pool(x, Int64.self, .min, windows, geometry, outShape, &indices)
        case .uint64: y = try pool(x, UInt64.self, .min, windows, geometry, outShape, &indices)
        default: throw OpError("MaxPool: dtype \(x.dtype) is not supported")
        }
        return wantsIndices ? [y, indices] : [y]
    }

    private func pool<T: TensorElement & Comparable>(
        _ x: Tensor, _ type: T.Type, _ lowest: T, _ windows: Kernels.PoolWindows, _ geometry: WindowGeometry,
        _ outShape: [Int], _ indices: inout Tensor
    ) throws(OpError) -> Tensor {
        var y = try ShapeSupport.allocate(x.dtype, outShape)
        guard y.count > 0 else { return y }
        let planes = x.shape[0] * x.shape[1]
        let wantsIndices = self.wantsIndices
        x.withUnsafeBufferPointer(of: T.self) { px in
            y.withUnsafeMutableBufferPointer(of: T.self) { py in
                indices.withUnsafeMutableBufferPointer(of: Int64.self) { pi in
                    Kernels.maxPool(
                        px.baseAddress!, planes: planes, inputCount: geometry.inputCount, windows: windows,
                        lowest: lowest, output: py.baseAddress!, indices: wantsIndices ? pi.baseAddress : nil)
                }
            }
        }
        return y
    }
}
