import GraphIR
import TensorCore

/// EyeLike: a matrix of zeros with ones on one diagonal.
///
/// https://onnx.ai/onnx/operators/onnx__EyeLike.html
///
/// `input` (N, M) → (N, M) of `dtype` (default: the input's), 1 where j - i = `k`, else 0.
struct EyeLike: Operator {
    let dtype: DType?
    let k: Int

    init(_ context: OpContext) throws {
        let node = context.node
        if let code = try node.int("dtype") {
            guard let dtype = Int32(exactly: code).flatMap(DType.init(rawValue:)), dtype != .string else {
                throw OpError("dtype \(code) is not a supported tensor type")
            }
            self.dtype = dtype
        } else {
            dtype = nil
        }
        k = try node.int("k", default: 0)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        guard input.rank == 2 else { throw OpError("input must be 2-D, got shape \(input.shape)") }
        let dtype = dtype ?? input.dtype
        var output = try ShapeSupport.allocate(dtype, input.shape, zeroed: true)
        let one = try ShapeSupport.tensor([1], dtype: dtype, shape: [])
        let (rows, columns) = (input.shape[0], input.shape[1])
        let size = dtype.byteSize
        StridedCopy.withBuffers(one, &output) { source, destination in
            for i in 0..<rows {
                let (j, overflow) = i.addingReportingOverflow(k)
                if !overflow, (0..<columns).contains(j) {
                    (destination + (i * columns + j) * size).copyMemory(from: source, byteCount: size)
                }
            }
        }
        return [output]
    }
}
