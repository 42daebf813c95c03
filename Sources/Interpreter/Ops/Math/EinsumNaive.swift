import TensorCore

/// Einsum by direct summation: for every value of the output labels, the sum over every value
/// of the other labels of the product of the operands' elements. Handles what the GEMM path
/// does not: any operand count, repeated labels (diagonals, traces), size-1 broadcasting.
///
/// Floats are computed in Double, integers in Int64 with wrapping arithmetic (which gives the
/// same low bits as wrapping in the narrower type).
enum EinsumNaive {
    static func run(_ bound: EinsumEquation.Bound, _ operands: [Tensor], dtype: DType) throws(OpError) -> Tensor {
        let shape = bound.outputShape
        let count = try ShapeSupport.product(shape)
        guard count <= ShapeSupport.maxOutputBytes / 8 else {
            throw OpError("Einsum: output shape \(MathSupport.text(shape)) is too large")
        }
        if dtype.isFloatingPoint {
            let values = try operands.map { (t) throws(OpError) in try MathSupport.cast(t, to: .float64).scalars(as: Double.self) }
            let result = evaluate(bound, operands.map(\.shape), values, count: count, zero: 0.0, one: 1.0,
                                  multiply: { $0 * $1 }, add: { $0 + $1 })
            return try MathSupport.cast(Tensor(shape: shape, scalars: result), to: dtype)
        }
        guard dtype.isInteger else { throw OpError("Einsum: dtype \(dtype) is not supported") }
        let values = try operands.map { (t) throws(OpError) in try MathSupport.cast(t, to: .int64).scalars(as: Int64.self) }
        let result = evaluate(bound, operands.map(\.shape), values, count: count, zero: Int64(0), one: 1,
                              multiply: { $0 &* $1 }, add: { $0 &+ $1 })
        return try MathSupport.cast(Tensor(shape: shape, scalars: result), to: dtype)
    }

    private static func evaluate<T>(
        _ bound: EinsumEquation.Bound, _ shapes: [[Int]], _ values: [[T]], count: Int,
        zero: T, one: T, multiply: (T, T) -> T, add: (T, T) -> T
    ) -> [T] {
        // Loop labels: the output's, then the summed ones. Each operand advances by the sum of the
        // strides of its axes carrying a label (a repeated label walks the diagonal); a size-1
        // axis against a larger label size stays put.
        let summed = Set(bound.operands.joined()).subtracting(bound.output).sorted()
        let loop = bound.output + summed
        let loopSizes = loop.map { bound.sizes[$0]! }
        let strides: [[Int]] = zip(bound.operands, shapes).map { labels, shape in
            let own = Shape.strides(shape)
            return loop.map { label in
                labels.indices.filter { labels[$0] == label && (shape[$0] != 1 || bound.sizes[label] == 1) }
                    .reduce(0) { $0 + own[$1] }
            }
        }
        let summedCount = summed.reduce(1) { $0 * bound.sizes[$1]! }
        var result = [T](repeating: zero, count: count)
        guard count > 0, summedCount > 0 else { return result }
        var index = [Int](repeating: 0, count: loop.count)
        var offsets = [Int](repeating: 0, count: values.count)
        for flat in 0..<count {
            var sum = zero
            for _ in 0..<summedCount {
                var product = one
                for (operand, offset) in offsets.enumerated() { product = multiply(product, values[operand][offset]) }
                sum = add(sum, product)
                advance(&index, &offsets, from: loop.count - 1, downTo: bound.output.count, loopSizes, strides)
            }
            result[flat] = sum
            advance(&index, &offsets, from: bound.output.count - 1, downTo: 0, loopSizes, strides)
        }
        return result
    }

    /// Odometer step over loop positions `low...high` (the last one fastest), keeping each
    /// operand's offset in step; wraps to all zeros after the last position.
    private static func advance(
        _ index: inout [Int], _ offsets: inout [Int], from high: Int, downTo low: Int,
        _ sizes: [Int], _ strides: [[Int]]
    ) {
        var position = high
        while position >= low {
            index[position] += 1
            for operand in offsets.indices { offsets[operand] += strides[operand][position] }
            if index[position] < sizes[position] { return }
            for operand in offsets.indices { offsets[operand] -= strides[operand][position] * sizes[position] }
            index[position] = 0
            position -= 1
        }
    }
}
