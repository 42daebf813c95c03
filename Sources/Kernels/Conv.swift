/// Grouped N-d convolution and transposed convolution as im2col / col2im plus one sgemm per
/// image and group.
extension Kernels {
    /// Channel counts of a grouped convolution: `channels` input and `outChannels` output
    /// channels split evenly into `group` groups.
    public struct ConvChannels: Sendable {
        public var batch: Int
        public var channels: Int
        public var outChannels: Int
        public var group: Int

        public init(batch: Int, channels: Int, outChannels: Int, group: Int) {
            precondition(group >= 1 && channels % group == 0 && outChannels % group == 0, "bad group")
            self.batch = batch
            self.channels = channels
            self.outChannels = outChannels
            self.group = group
        }
    }

    /// Floats of workspace ``convolution(_:weights:bias:channels:geometry:output:workspace:)``
    /// needs (0 when the windows are the image itself: 1×1 kernel, stride 1, no padding).
    public static func convolutionWorkspace(channels c: ConvChannels, geometry g: WindowGeometry) -> Int {
        isPointwise(g) ? 0 : c.channels / c.group * g.kernelCount * g.outputCount
    }

    /// Convolution (cross-correlation, as ONNX Conv): x is (batch, channels, input…), weights
    /// is (outChannels, channels/group, kernel…), bias is (outChannels) or nil, output is
    /// (batch, outChannels, output…). `workspace` holds at least
    /// ``convolutionWorkspace(channels:geometry:)`` floats.
    public static func convolution(
        _ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        channels c: ConvChannels, geometry g: WindowGeometry,
        output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?
    ) {
        let cg = c.channels / c.group
        let mg = c.outChannels / c.group
        let inCount = g.inputCount
        let outCount = g.outputCount
        let k = cg * g.kernelCount
        let pointwise = isPointwise(g)
        for n in 0..<c.batch {
            for group in 0..<c.group {
                let image = x + (n * c.channels + group * cg) * inCount
                let columns: UnsafePointer<Float>
                if pointwise {
                    columns = image
                } else {
                    guard let workspace else { preconditionFailure("convolution needs a workspace") }
                    im2col(image, channels: cg, geometry: g, columns: workspace)
                    columns = UnsafePointer(workspace)
                }
                let y = output + (n * c.outChannels + group * mg) * outCount
                // y (mg, outCount) = W_group (mg, cg·kernel) · columns (cg·kernel, outCount)
                sgemm(
                    transA: false, transB: false, m: mg, n: outCount, k: k,
                    alpha: 1, a: weights + group * mg * k, lda: max(k, 1),
                    b: columns, ldb: max(outCount, 1), beta: 0, c: y, ldc: max(outCount, 1))
                if let bias { addChannelBias(y, bias + group * mg, channels: mg, count: outCount) }
            }
        }
    }

    /// Floats of workspace ``convolutionTranspose(_:weights:bias:channels:geometry:output:workspace:)`` needs.
    public static func convolutionTransposeWorkspace(channels c: ConvChannels, geometry g: WindowGeometry)
        -> Int
    {
        c.outChannels / c.group * g.kernelCount * g.outputCount
    }

    /// Transposed convolution (ONNX ConvTranspose), the adjoint of ``convolution``: x is
    /// (batch, channels, xSpatial…), weights is (channels, outChannels/group, kernel…), bias is
    /// (outChannels) or nil, output is (batch, outChannels, ySpatial…).
    ///
    /// `g` describes the forward convolution that would map the output back to x: its `input`
    /// is ySpatial and its `output` is xSpatial.
    public static func convolutionTranspose(
        _ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        channels c: ConvChannels, geometry g: WindowGeometry,
        output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        let cg = c.channels / c.group
        let mg = c.outChannels / c.group
        let xCount = g.outputCount
        let yCount = g.inputCount
        let rows = mg * g.kernelCount
        output.update(repeating: 0, count: c.batch * c.outChannels * yCount)
        for n in 0..<c.batch {
            for group in 0..<c.group {
                let image = x + (n * c.channels + group * cg) * xCount
                // columns (mg·kernel, xCount) = W_groupᵀ (mg·kernel, cg) · x_group (cg, xCount)
                sgemm(
                    transA: true, transB: false, m: rows, n: xCount, k: cg,
                    alpha: 1, a: weights + group * cg * rows, lda: max(rows, 1),
                    b: image, ldb: max(xCount, 1), beta: 0, c: workspace, ldc: max(xCount, 1))
                let y = output + (n * c.outChannels + group * mg) * yCount
                col2im(workspace, channels: mg, geometry: g, image: y)
                if let bias { addChannelBias(y, bias + group * mg, channels: mg, count: yCount) }
            }
        }
    }

    private static func isPointwise(_ g: WindowGeometry) -> Bool {
        g.kernel.allSatisfy { $0 == 1 } && g.strides.allSatisfy { $0 == 1 }
            && g.padBegin.allSatisfy { $0 == 0 } && g.input == g.output
    }

    // y is (channels, count).
    private static func addChannelBias(
        _ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, channels: Int, count: Int
    ) {
        for ch in 0..<channels {
            let b = bias[ch]
            let row = y + ch * count
            for i in 0..<count { row[i] += b }
        }
    }
}
