import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// GlobalAveragePool, GlobalMaxPool and GlobalLpPool: one reduction over all spatial axes of
/// each (image, channel) plane. X is (N, C, D1…Dn); Y is (N, C, 1…1).
/// https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html,
/// https://onnx.ai/onnx/operators/onnx__GlobalMaxPool.html,
/// https://onnx.ai/onnx/operators/onnx__GlobalLpPool.html
struct GlobalPoolOp: Operator {
    enum Kind: Sendable { case average, max, lp }
    let kind: Kind
    let p: Float

    init(_ context: OpContext, _ kind: Kind) throws {
        self.kind = kind
        // An INT from opset 2 on, a FLOAT before; node.float reads both.
        p = kind == .lp ? try context.node.float("p", default: 2) : 1
        guard p > 0 else { throw OpError("GlobalLpPool: p must be positive, got \(p)") }
    }

    private var name: String {
        switch kind {
        case .average: "GlobalAveragePool"
        case .max: "GlobalMaxPool"
        case .lp: "GlobalLpPool"
        }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank >= 2 else {
            throw OpError("\(name): X must be (N, C, D1…), got \(MathSupport.text(x.shape))")
        }
        let planes = x.shape[0] * x.shape[1]
        let size = x.shape[2...].reduce(1, *)
        let xf = try NNSupport.floats(x, name, "X")
        var y = try ShapeSupport.allocate(
            .float32, Array(x.shape[..<2]) + Array(repeating: 1, count: x.rank - 2))
        let (kind, p) = (self.kind, self.p)
        xf.withUnsafeBufferPointer(of: Float.self) { px in
            y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                for plane in 0..<planes {
                    let row = UnsafeBufferPointer(rebasing: px[(plane * size)..<((plane + 1) * size)])
                    switch kind {
                    case .average: py[plane] = row.reduce(0, +) / Float(size)
                    // NaN propagates, as numpy's max does.
                    case .max:
                        py[plane] = row.reduce(-Float.infinity) {
                            $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1)
                        }
                    case .lp: py[plane] = powf(row.reduce(0) { $0 + powf(abs($1), p) }, 1 / p)
                    }
                }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }
}
