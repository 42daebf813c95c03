import GraphIR
import TensorCore

/// ScatterND: a copy of `data` with slices addressed by index tuples replaced or combined with
/// `updates`.
///
/// https://onnx.ai/onnx/operators/onnx__ScatterND.html
///
/// `data` (d0…d(r-1)), `indices` (m…, k) with k ≤ r, `updates` (m…, d(k)…d(r-1)) → `data`'s
/// shape. `reduction` (opset 16: none, add, mul; opset 18: max, min) says how an update meets
/// the value in place; updates apply in order, so with `none` the last duplicate wins.
struct ScatterND: Operator {
    let reduction: ScatterReduction

    init(_ context: OpContext) throws {
        reduction = try ScatterReduction(try context.node.string("reduction", default: "none"))
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let indicesTensor = try inputs.required(1)
        let updates = try inputs.required(2)
        guard let k = indicesTensor.shape.last, k <= data.rank else {
            throw OpError(
                "indices of shape \(indicesTensor.shape) must have rank ≥ 1 and a last dim ≤ data rank \(data.rank)"
            )
        }
        let expected = Array(indicesTensor.shape.dropLast()) + Array(data.shape[k...])
        guard updates.shape == expected, updates.dtype == data.dtype else {
            throw OpError(
                "updates are \(updates.dtype) \(updates.shape), expected \(data.dtype) \(expected) "
                    + "for data \(data.shape) and indices \(indicesTensor.shape)")
        }
        // Nothing to write; also keeps a huge zero-size indices shape from driving the loop.
        if updates.count == 0 { return [data] }
        let indices = try ShapeSupport.ints(indicesTensor, "indices")
        let strides = Shape.strides(data.shape)
        let tuples = try ShapeSupport.product(indicesTensor.shape.dropLast())
        var offsets: [Int] = []
        offsets.reserveCapacity(tuples)
        for t in 0..<tuples {
            var offset = 0
            for j in 0..<k {
                let (raw, dim) = (indices[t * k + j], data.shape[j])
                guard raw >= -dim && raw < dim else {
                    throw OpError(
                        "index \(raw) (tuple \(t), entry \(j)) is out of range for axis \(j) "
                            + "of data \(data.shape) (expected \(-dim)...\(dim - 1))")
                }
                offset += (raw < 0 ? raw + dim : raw) * strides[j]
            }
            offsets.append(offset)
        }
        let block = data.shape[k...].reduce(1, *)
        return [try reduction.scatter(updates, into: data, at: offsets, block: block)]
    }
}

/// How ScatterND and ScatterElements combine an update with the value already in place.
enum ScatterReduction: Sendable {
    case none, add, mul, max, min

    init(_ name: String) throws(OpError) {
        switch name {
        case "none": self = .none
        case "add": self = .add
        case "mul": self = .mul
        case "max": self = .max
        case "min": self = .min
        default: throw OpError("reduction '\(name)' is not one of none, add, mul, max, min")
        }
    }

    /// A copy of `data` where block i of `updates` (`block` elements) meets `data` at element
    /// offset `offsets[i]`, in order.
    func scatter(_ updates: Tensor, into data: Tensor, at offsets: [Int], block: Int) throws -> Tensor {
        var output = data
        if self == .none {
            let bytes = block * data.dtype.byteSize
            StridedCopy.withBuffers(updates, &output) { source, destination in
                for (i, offset) in offsets.enumerated() {
                    (destination + offset * data.dtype.byteSize).copyMemory(
                        from: source + i * bytes, byteCount: bytes)
                }
            }
            return output
        }
        return try Combine(reduction: self, updates: updates, data: data, offsets: offsets, block: block)
            .dispatch(data.dtype)
    }

    private struct Combine: ShapeArithmeticBody {
        let reduction: ScatterReduction
        let updates: Tensor
        let data: Tensor
        let offsets: [Int]
        let block: Int

        func run<T: ShapeArithmetic>(_: T.Type) throws -> Tensor {
            let combine: (T, T) -> T =
                switch reduction {
                case .add: T.shapeAdd
                case .mul: T.shapeMul
                case .max: T.shapeMax
                case .min: T.shapeMin
                case .none: { _, update in update }
                }
            var output = data
            updates.withUnsafeBufferPointer(of: T.self) { source in
                output.withUnsafeMutableBufferPointer(of: T.self) { destination in
                    for (i, offset) in offsets.enumerated() {
                        for e in 0..<block {
                            destination[offset + e] = combine(destination[offset + e], source[i * block + e])
                        }
                    }
                }
            }
            return output
        }
    }
}
