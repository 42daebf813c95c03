import Kernels
import Testing

/// The im2col + sgemm convolution kernels against their direct-loop references, and im2col
/// against col2im (its adjoint).
@Suite("Convolution kernels")
struct ConvKernelTests {
    /// (spatial input, kernel, strides, dilations, padBegin, padEnd, channels, outChannels, group)
    static let configurations: [([Int], [Int], [Int], [Int], [Int], [Int], Int, Int, Int)] = [
        ([7], [3], [1], [1], [0], [0], 2, 3, 1),
        ([9], [2], [2], [3], [1], [2], 4, 2, 2),
        ([5, 6], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1], 3, 4, 1),
        ([6, 5], [2, 3], [2, 1], [1, 2], [0, 2], [1, 0], 4, 6, 2),
        ([4, 4], [1, 1], [1, 1], [1, 1], [0, 0], [0, 0], 3, 2, 1),  // pointwise: no im2col
        ([5, 5], [3, 3], [2, 2], [1, 1], [1, 1], [1, 1], 3, 3, 3),  // depthwise
        ([4, 3, 5], [2, 2, 3], [1, 2, 2], [2, 1, 1], [1, 0, 1], [0, 1, 1], 2, 2, 1),
    ]

    static func geometry(_ c: ([Int], [Int], [Int], [Int], [Int], [Int], Int, Int, Int)) -> WindowGeometry {
        let (input, kernel, strides, dilations, begin, end, _, _, _) = c
        let output = input.indices.map { a in
            (input[a] + begin[a] + end[a] - (kernel[a] - 1) * dilations[a] - 1) / strides[a] + 1
        }
        return WindowGeometry(
            input: input, output: output, kernel: kernel, strides: strides, dilations: dilations,
            padBegin: begin, padEnd: end)
    }

    @Test("convolution matches the direct loop", arguments: configurations.indices)
    func convolution(index: Int) {
        let c = Self.configurations[index]
        let g = Self.geometry(c)
        let channels = Kernels.ConvChannels(batch: 2, channels: c.6, outChannels: c.7, group: c.8)
        var random = SeededRandom(seed: UInt64(index) + 1)
        let x = random.floats(2 * c.6 * g.inputCount)
        let w = random.floats(c.7 * c.6 / c.8 * g.kernelCount)
        let bias = random.floats(c.7)
        var fast = [Float](repeating: .nan, count: 2 * c.7 * g.outputCount)
        var naive = fast
        var workspace = [Float](
            repeating: 0, count: max(1, Kernels.convolutionWorkspace(channels: channels, geometry: g)))
        workspace.withUnsafeMutableBufferPointer { ws in
            Kernels.convolution(
                x, weights: w, bias: bias, channels: channels, geometry: g, output: &fast,
                workspace: ws.baseAddress)
        }
        Kernels.convolutionNaive(x, weights: w, bias: bias, channels: channels, geometry: g, output: &naive)
        #expect(worstError(fast, naive.map(Double.init)) <= 1)
    }

    @Test("transposed convolution matches the direct loop", arguments: configurations.indices)
    func transpose(index: Int) {
        let c = Self.configurations[index]
        let g = Self.geometry(c)  // the forward convolution: Y (g.input) back to X (g.output)
        let channels = Kernels.ConvChannels(batch: 2, channels: c.6, outChannels: c.7, group: c.8)
        var random = SeededRandom(seed: UInt64(index) + 100)
        let x = random.floats(2 * c.6 * g.outputCount)
        let w = random.floats(c.6 * c.7 / c.8 * g.kernelCount)
        let bias = random.floats(c.7)
        var fast = [Float](repeating: .nan, count: 2 * c.7 * g.inputCount)
        var naive = fast
        var workspace = [Float](
            repeating: 0, count: Kernels.convolutionTransposeWorkspace(channels: channels, geometry: g))
        Kernels.convolutionTranspose(
            x, weights: w, bias: bias, channels: channels, geometry: g, output: &fast,
            workspace: &workspace)
        Kernels.convolutionTransposeNaive(
            x, weights: w, bias: bias, channels: channels, geometry: g, output: &naive)
        #expect(worstError(fast, naive.map(Double.init)) <= 1)
    }

    @Test(
        "col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>", arguments: configurations.indices)
    func adjoint(index: Int) {
        let g = Self.geometry(Self.configurations[index])
        let channels = 2
        var random = SeededRandom(seed: UInt64(index) + 200)
        let x = random.floats(channels * g.inputCount)
        let c = random.floats(channels * g.kernelCount * g.outputCount)
        var columns = [Float](repeating: .nan, count: c.count)
        Kernels.im2col(x, channels: channels, geometry: g, columns: &columns)
        var image = [Float](repeating: 0, count: x.count)
        Kernels.col2im(c, channels: channels, geometry: g, image: &image)
        let left = zip(columns, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, image).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) <= 1e-4 * max(1, abs(left)))
        #expect(!columns.contains { $0.isNaN }, "im2col left entries unwritten")
    }

    @Test("im2col writes zeros for padding and the input elsewhere")
    func im2colPadding() {
        // 1-D input [1, 2, 3], kernel 2, pad 1 each side: windows [0,1], [1,2], [2,3], [3,0].
        let g = WindowGeometry(
            input: [3], output: [4], kernel: [2], strides: [1], dilations: [1],
            padBegin: [1], padEnd: [1])
        var columns = [Float](repeating: .nan, count: 8)
        Kernels.im2col([1, 2, 3], channels: 1, geometry: g, columns: &columns)
        #expect(columns == [0, 1, 2, 3, 1, 2, 3, 0])
    }
}
