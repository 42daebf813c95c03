import GraphIR
import TensorCore

/// Tile: repeats `input` `repeats[i]` times along each axis i.
///
/// https://onnx.ai/onnx/operators/onnx__Tile.html
///
/// `input` (d0…dn), `repeats` int64 (n+1) → (d0·r0…dn·rn). The output is viewed as
/// (r0, d0, …, rn, dn) and filled by one strided copy whose r axes read with stride 0.
struct Tile: Operator {
    init(_ context: OpContext) {}

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let repeats = try ShapeSupport.ints(try inputs.required(1), "repeats")
        guard repeats.count == input.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw OpError(
                "repeats \(repeats) must hold \(input.rank) non-negative counts for input \(input.shape)")
        }
        var shape: [Int] = []
        for (d, r) in zip(input.shape, repeats) {
            let (product, overflow) = d.multipliedReportingOverflow(by: r)
            guard !overflow else { throw OpError("tiling \(input.shape) by \(repeats) overflows") }
            shape.append(product)
        }
        var output = try ShapeSupport.allocate(input.dtype, shape)
        let strides = Shape.strides(input.shape)
        let viewShape = zip(repeats, input.shape).flatMap { [$0, $1] }
        let sourceStrides = strides.flatMap { [0, $0] }
        StridedCopy.withBuffers(input, &output) { source, destination in
            StridedCopy.copy(
                shape: viewShape, elementSize: input.dtype.byteSize,
                from: source, strides: sourceStrides,
                to: destination, strides: Shape.strides(viewShape))
        }
        return [output]
    }
}
