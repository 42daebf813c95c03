import Kernels
import TensorCore

/// Helpers shared by the linear-algebra, normalization and reduction ops: dtype round trips
/// through float32, permuted copies, broadcasting of small parameter tensors, BLAS size checks.
enum MathSupport {
    /// A shape as ONNX tools print it in messages: `[2,8,64]`.
    static func text(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ",") + "]"
    }

    /// `tensor` converted to `dtype` (no copy when it already has it).
    static func cast(_ tensor: Tensor, to dtype: DType) throws(OpError) -> Tensor {
        do { return try tensor.cast(to: dtype) } catch {
            throw OpError("cannot convert \(tensor.dtype) to \(dtype): \(error)")
        }
    }

    /// Throws unless every size fits the 32-bit integers BLAS takes.
    static func checkBLAS(_ op: String, _ sizes: [Int]) throws(OpError) {
        guard let big = sizes.first(where: { $0 > Kernels.maxBLASDimension }) else { return }
        throw OpError("\(op): dimension \(big) exceeds the BLAS limit of \(Kernels.maxBLASDimension)")
    }

    /// A contiguous copy of `tensor` with its axes reordered: output axis i is input axis
    /// `permutation[i]`. Returns `tensor` itself when the permutation keeps the memory order.
    static func permuted(_ tensor: Tensor, _ permutation: [Int]) throws(OpError) -> Tensor {
        precondition(permutation.sorted() == Array(0..<tensor.rank), "not a permutation")
        let shape = permutation.map { tensor.shape[$0] }
        // Moving only unit axes leaves every element where it was.
        if permutation.filter({ tensor.shape[$0] != 1 }) == tensor.shape.indices.filter({ tensor.shape[$0] != 1 }) {
            return try ShapeSupport.reshaped(tensor, shape)
        }
        var out = try ShapeSupport.allocate(tensor.dtype, shape)
        let strides = Shape.strides(tensor.shape)
        StridedCopy.withBuffers(tensor, &out) { source, destination in
            StridedCopy.copy(shape: shape, elementSize: tensor.dtype.byteSize,
                             from: source, strides: permutation.map { strides[$0] },
                             to: destination, strides: Shape.strides(shape))
        }
        return out
    }

    /// The float32 elements of a parameter tensor (scale, bias) broadcast over `shape`, as
    /// `count(shape)` floats. The parameter may carry extra leading unit axes; it must
    /// otherwise broadcast unidirectionally to `shape`.
    static func broadcastParameter(
        _ parameter: Tensor, to shape: [Int], _ what: String
    ) throws(OpError) -> [Float] {
        var own = parameter.shape
        while own.count > shape.count, own.first == 1 { own.removeFirst() }
        guard own.count <= shape.count, (try? Shape.broadcast(own, shape)) == shape else {
            throw OpError("\(what) of shape \(text(parameter.shape)) does not broadcast to \(text(shape))")
        }
        let values = try cast(parameter, to: .float32).scalars(as: Float.self)
        if own == shape { return values }
        let strides = Shape.broadcastStrides(own, to: shape)
        let count = shape.reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0..<count {
            result[flat] = values[zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// `value` as an exact `T`, or an error when it has a fraction or is out of range (integer
    /// Gemm takes float alpha and beta).
    static func exactInteger<T: FixedWidthInteger>(_ value: Float, _ what: String, _ type: T.Type) throws(OpError) -> T {
        guard let exact = T(exactly: value) else {
            throw OpError("\(what) \(value) is not representable as an integer of the input type")
        }
        return exact
    }
}
