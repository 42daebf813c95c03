import GraphIR
import TensorCore

/// NonZero: the coordinates of the non-zero elements, as NumPy's `nonzero`.
///
/// https://onnx.ai/onnx/operators/onnx__NonZero.html
///
/// `X` (d0…dn) → int64 (rank, nnz), one column per non-zero element in row-major order (a
/// scalar counts as rank 1). An element is zero when its bytes are all zero; for floats the
/// sign bit is ignored so that -0.0 is zero, and NaN is non-zero.
struct NonZero: Operator {
    init(_ context: OpContext) {}

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let positions = Self.nonZeroPositions(x)
        let shape = x.rank == 0 ? [1] : x.shape
        let strides = Shape.strides(shape)
        var coordinates = [Int64](repeating: 0, count: shape.count * positions.count)
        for (column, position) in positions.enumerated() {
            var rest = position
            for (axis, stride) in strides.enumerated() {
                coordinates[axis * positions.count + column] = Int64(rest / stride)
                rest %= stride
            }
        }
        return [Tensor(shape: [shape.count, positions.count], scalars: coordinates)]
    }

    /// Row-major positions of the elements whose value is not zero.
    static func nonZeroPositions(_ x: Tensor) -> [Int] {
        let size = x.dtype.byteSize
        let mask: UInt64 =
            switch x.dtype {
            case .float32: 0x7FFF_FFFF
            case .float64: 0x7FFF_FFFF_FFFF_FFFF
            case .float16, .bfloat16: 0x7FFF
            default: ~0
            }
        return x.withUnsafeRawBytes { bytes -> [Int] in
            var result: [Int] = []
            guard let base = bytes.baseAddress else { return result }
            for i in 0..<x.count {
                let p = base + i * size
                let bits: UInt64 =
                    switch size {
                    case 1: UInt64(p.loadUnaligned(as: UInt8.self))
                    case 2: UInt64(p.loadUnaligned(as: UInt16.self))
                    case 4: UInt64(p.loadUnaligned(as: UInt32.self))
                    default: p.loadUnaligned(as: UInt64.self)
                    }
                if bits & mask != 0 { result.append(i) }
            }
            return result
        }
    }
}
