import GraphIR
import Kernels
import TensorCore

/// Col2Im: folds sliding-window columns back into an image, summing overlaps (the inverse
/// layout of im2col). https://onnx.ai/onnx/operators/onnx__Col2Im.html
///
/// input is (N, C·∏block_shape, L) with L the number of window positions; image_shape and
/// block_shape are 1-D with one value per spatial axis; the output is (N, C, image_shape…).
struct Col2ImOp: Operator {
    let window: WindowAttributes

    init(_ context: OpContext) throws {
        window = try WindowAttributes(context.node, op: "Col2Im")
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let image = try ShapeSupport.ints(try inputs.required(1), "Col2Im image_shape")
        let block = try ShapeSupport.ints(try inputs.required(2), "Col2Im block_shape")
        let limit = WindowAttributes.maxAttributeValue
        guard !image.isEmpty, block.count == image.count,
            (image + block).allSatisfy({ (1...limit).contains($0) })
        else {
            throw OpError(
                "Col2Im: image_shape \(image) and block_shape \(block) must be equally long lists of values in 1...\(limit)"
            )
        }
        let geometry = try window.forward(input: image, kernel: block)
        let kernelCount = geometry.kernelCount
        guard x.rank == 3, x.shape[1] % kernelCount == 0, x.shape[2] == geometry.outputCount else {
            throw OpError(
                "Col2Im: input must be (N, C·\(kernelCount), \(geometry.outputCount)) for block_shape \(block) over image_shape \(image) (window positions \(geometry.output)); got \(MathSupport.text(x.shape))"
            )
        }
        let (batch, channels) = (x.shape[0], x.shape[1] / kernelCount)
        let xf = try NNSupport.floats(x, "Col2Im", "input")
        var y = try ShapeSupport.allocate(.float32, [batch, channels] + image, zeroed: true)
        if y.count > 0 && x.count > 0 {
            xf.withUnsafeBufferPointer(of: Float.self) { px in
                y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                    for n in 0..<batch {
                        Kernels.col2im(
                            px.baseAddress! + n * x.shape[1] * x.shape[2], channels: channels,
                            geometry: geometry, image: py.baseAddress! + n * channels * geometry.inputCount)
                    }
                }
            }
        }
        return [try NNSupport.restore(y, to: x.dtype)]
    }
}
