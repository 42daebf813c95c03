import GraphIR
import TensorCore

/// MatMulInteger and QLinearMatMul: matrix products of 8-bit integers with zero points.
///
/// https://onnx.ai/onnx/operators/onnx__MatMulInteger.html
/// https://onnx.ai/onnx/operators/onnx__QLinearMatMul.html
///
/// `A` (…, M, K) and `B` (…, K, N) int8/uint8 with NumPy matmul broadcasting (1-D operands
/// promoted and the unit axis dropped again). MatMulInteger gives int32
/// (A − a_zero_point)(B − b_zero_point), a zero point being a scalar, per row of A ([M]) or per
/// column of B ([N]). QLinearMatMul requantizes that product:
/// `saturate(round(C · a_scale · b_scale / y_scale) + y_zero_point)` in y_zero_point's dtype,
/// the scale product computed in the scales' dtype as the reference does.
struct MatMulInteger: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0)
        let b = try inputs.required(1)
        let product = try IntegerMatMul(a: a, b: b, aZero: inputs.optional(2), bZero: inputs.optional(3))
        return [Tensor(shape: product.shape, scalars: product.values.map { Int32(truncatingIfNeeded: $0) })]
    }
}

struct QLinearMatMul: Operator {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0)
        let aScale = try inputs.required(1)
        let b = try inputs.required(3)
        let bScale = try inputs.required(4)
        let yScale = try inputs.required(6)
        let product = try IntegerMatMul(a: a, b: b, aZero: inputs.optional(2), bZero: inputs.optional(5))
        let yZero = inputs.optional(7)
        let target = yZero?.dtype ?? a.dtype
        guard let range = QuantizationSupport.integerRange(target) else {
            throw OpError("output dtype \(target) is not an 8- or 16-bit integer")
        }
        // (a_scale · b_scale) / y_scale, each step rounded to the scales' dtype.
        let scales = try [aScale, bScale, yScale].map { try MiscSupport.floats($0, "scale") }
        guard scales.allSatisfy({ $0.count == 1 }) else {
            throw OpError(
                "QLinearMatMul takes per-tensor scales only, got shapes \(aScale.shape), \(bScale.shape), \(yScale.shape)"
            )
        }
        let round = { (v: Double) throws -> Double in
            try MiscSupport.doubles(MiscSupport.tensor([v], aScale.dtype, []), "scale")[0]
        }
        let multiplier = try round(round(scales[0][0] * scales[1][0]) / scales[2][0])
        let zero = try yZero.map { try MiscSupport.doubles($0, "y_zero_point") }?.first ?? 0
        let y = product.values.map { c in
            min(
                max((Double(c) * multiplier + zero).rounded(.toNearestOrEven), Double(range.0)),
                Double(range.1))
        }
        return [try MiscSupport.tensor(y, target, product.shape)]
    }
}

/// The exact product (A − a_zero)(B − b_zero) with NumPy matmul shapes.
struct IntegerMatMul {
    let values: [Int]
    let shape: [Int]

    init(a: Tensor, b: Tensor, aZero: Tensor?, bZero: Tensor?) throws {
        guard a.rank >= 1, b.rank >= 1 else {
            throw OpError("matmul operands must have rank ≥ 1, got \(a.shape) and \(b.shape)")
        }
        let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
        let (m, k, n) = (aShape[aShape.count - 2], aShape[aShape.count - 1], bShape[bShape.count - 1])
        guard bShape[bShape.count - 2] == k else {
            throw OpError("inner dimensions differ: A \(a.shape), B \(b.shape)")
        }
        let aBatch = Array(aShape.dropLast(2))
        let bBatch = Array(bShape.dropLast(2))
        let batch: [Int]
        do { batch = try Shape.broadcast(aBatch, bBatch) } catch {
            throw OpError("batch dimensions of A \(a.shape) and B \(b.shape) do not broadcast")
        }
        let av = try ShapeSupport.ints(a, "A")
        let bv = try ShapeSupport.ints(b, "B")
        let aZeros = try aZero.map { try ShapeSupport.ints($0, "a_zero_point") } ?? [0]
        let bZeros = try bZero.map { try ShapeSupport.ints($0, "b_zero_point") } ?? [0]
        guard aZeros.count == 1 || aZeros.count == m, bZeros.count == 1 || bZeros.count == n else {
            throw OpError(
                "zero points must be scalars, [M] for A or [N] for B; got \(aZeros.count) and \(bZeros.count) values"
            )
        }
        let count = batch.reduce(1, *)
        let aStrides = Shape.broadcastStrides(aBatch, to: batch)
        let bStrides = Shape.broadcastStrides(bBatch, to: batch)
        let batchStrides = Shape.strides(batch)
        var out = [Int](repeating: 0, count: count * m * n)
        for p in 0..<count {
            var aBase = 0
            var bBase = 0
            for axis in 0..<batch.count {
                let coordinate = (p / batchStrides[axis]) % batch[axis]
                aBase += coordinate * aStrides[axis]
                bBase += coordinate * bStrides[axis]
            }
            aBase *= m * k
            bBase *= k * n
            for i in 0..<m {
                let za = aZeros.count == 1 ? aZeros[0] : aZeros[i]
                for j in 0..<n {
                    let zb = bZeros.count == 1 ? bZeros[0] : bZeros[j]
                    var sum = 0
                    for t in 0..<k { sum += (av[aBase + i * k + t] - za) * (bv[bBase + t * n + j] - zb) }
                    out[(p * m + i) * n + j] = sum
                }
            }
        }
        var shape = batch + [m, n]
        if b.rank == 1 { shape.removeLast() }
        if a.rank == 1 { shape.remove(at: shape.count - (b.rank == 1 ? 1 : 2)) }
        values = out
        self.shape = shape
    }
}
