import GraphIR
import TensorCore

// Traditional-ML ops of the `ai.onnx.ml` domain that work on numeric tensors:
// https://onnx.ai/onnx/operators/onnx_aionnxml_ArrayFeatureExtractor.html, onnx_aionnxml_Binarizer.html

/// ArrayFeatureExtractor: `X[..., indices]` along the last axis; a 1-D `X` gives a (1, k) row.
struct ArrayFeatureExtractor: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let indices = try ShapeSupport.ints(try inputs.required(1), "Y")
        guard x.rank >= 1 else { throw OpError("X must have rank ≥ 1, got a scalar") }
        let last = x.shape[x.rank - 1]
        if let bad = indices.first(where: { $0 < 0 || $0 >= last }) {
            throw OpError("index \(bad) is out of range for the last axis of length \(last)")
        }
        let rows = x.count / max(last, 1)
        var flat: [Int] = []
        flat.reserveCapacity(rows * indices.count)
        for row in 0..<rows { for i in indices { flat.append(row * last + i) } }
        let shape = x.rank == 1 ? [1, indices.count] : Array(x.shape.dropLast()) + [indices.count]
        return [try MiscSupport.gather(x, flat, shape: shape)]
    }
}

/// Binarizer: 1 where `X` > `threshold` (default 0), else 0, in X's dtype.
struct Binarizer: Operator {
    let threshold: Double

    init(_ context: OpContext) throws {
        threshold = Double(try context.node.float("threshold", default: 0))
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let values = try MiscSupport.doubles(x, "X").map { $0 > threshold ? 1.0 : 0 }
        return [try MiscSupport.tensor(values, x.dtype, x.shape)]
    }
}
