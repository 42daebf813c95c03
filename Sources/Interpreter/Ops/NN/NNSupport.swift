import GraphIR
import Kernels
import TensorCore

/// Helpers shared by the neural-network ops: the float32 round trip (the kernels compute in
/// float32; float16, bfloat16 and float64 convert on the way in and out) and scratch buffers.
enum NNSupport {
    /// `tensor` as float32, or an error naming `op` and `what` for a non-float dtype.
    static func floats(_ tensor: Tensor, _ op: String, _ what: String) throws(OpError) -> Tensor {
        guard tensor.dtype.isFloatingPoint else {
            throw OpError("\(op): \(what) must be a float tensor, got \(tensor.dtype)")
        }
        return try MathSupport.cast(tensor, to: .float32)
    }

    /// A float32 result converted back to the inputs' dtype.
    static func restore(_ tensor: Tensor, to dtype: DType) throws(OpError) -> Tensor {
        try MathSupport.cast(tensor, to: dtype)
    }

    /// Runs `body` with `count` floats of uninitialised scratch memory, refusing sizes beyond
    /// the output limit (the count comes from shapes in the model).
    static func withScratch<R>(
        _ count: Int, _ op: String, _ body: (UnsafeMutablePointer<Float>) throws -> R
    ) throws -> R {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard !overflow, bytes <= ShapeSupport.maxOutputBytes else {
            throw OpError(
                "\(op): workspace of \(count) floats exceeds the limit of \(ShapeSupport.maxOutputBytes) bytes"
            )
        }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        defer { buffer.deallocate() }
        return try body(buffer)
    }

    /// Pooling resolves every window into a table of up to outputCount × kernelCount offsets;
    /// beyond this many entries the op refuses instead of exhausting memory.
    static let maxWindowTable = 1 << 26

    static func checkWindowTable(_ geometry: WindowGeometry, _ op: String) throws(OpError) {
        let (entries, overflow) = geometry.outputCount.multipliedReportingOverflow(by: geometry.kernelCount)
        guard !overflow, entries <= maxWindowTable else {
            throw OpError(
                "\(op): \(geometry.outputCount) windows of \(geometry.kernelCount) taps exceed the limit of \(maxWindowTable) window entries"
            )
        }
    }

    // MARK: - Conv and ConvTranspose

    /// The `group` attribute of Conv and ConvTranspose, refused outside 1...maxAttributeValue.
    static func group(_ node: Node, _ op: String) throws -> Int {
        let group = try node.int("group", default: 1)
        guard (1...WindowAttributes.maxAttributeValue).contains(group) else {
            throw OpError("\(op): group must be in 1...\(WindowAttributes.maxAttributeValue), got \(group)")
        }
        return group
    }

    /// X, W and the optional B of Conv and ConvTranspose; X must be (N, C, D1…) with at least
    /// one spatial axis and W of the same rank.
    static func convolutionOperands(_ inputs: [Tensor?], _ op: String) throws -> (
        x: Tensor, w: Tensor, b: Tensor?
    ) {
        let x = try inputs.required(0)
        let w = try inputs.required(1)
        guard x.rank >= 3, w.rank == x.rank else {
            throw OpError(
                "\(op): X must be (N, C, D1…) with at least one spatial axis and W of the same rank; got X \(MathSupport.text(x.shape)), W \(MathSupport.text(w.shape))"
            )
        }
        return (x, w, inputs.optional(2))
    }

    /// Throws unless the bias `b`, when present, has shape [`outChannels`].
    static func checkBias(_ b: Tensor?, _ outChannels: Int, _ op: String) throws(OpError) {
        if let b, b.count != outChannels || b.rank != 1 {
            throw OpError("\(op): B must have shape [\(outChannels)], got \(MathSupport.text(b.shape))")
        }
    }

    /// Runs Conv's or ConvTranspose's float32 `kernel(X, W, B or nil, Y, workspace)`: refuses
    /// an im2col matrix of (`columnRows` · kernel taps, output positions) beyond Int or BLAS
    /// range, converts X, W and B to float32, gives the kernel Y (N, M, `spatial`…) and
    /// `workspace(channels, geometry)` floats of scratch, and returns Y in X's dtype.
    static func convolve(
        _ op: String, x: Tensor, w: Tensor, b: Tensor?, channels: Kernels.ConvChannels,
        geometry: WindowGeometry, columnRows: Int, spatial: [Int],
        workspace: (Kernels.ConvChannels, WindowGeometry) -> Int,
        kernel: (
            UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>,
            UnsafeMutablePointer<Float>
        ) -> Void
    ) throws -> Tensor {
        _ = try ShapeSupport.product([columnRows, geometry.kernelCount, geometry.outputCount])  // the im2col workspace
        try MathSupport.checkBLAS(op, [geometry.outputCount, columnRows * geometry.kernelCount])

        let xf = try floats(x, op, "X")
        let wf = try floats(w, op, "W")
        let bf = try b.map { bias throws(OpError) in try floats(bias, op, "B") }
        var y = try ShapeSupport.allocate(.float32, [x.shape[0], channels.outChannels] + spatial)
        guard y.count > 0 else { return try restore(y, to: x.dtype) }
        try withScratch(workspace(channels, geometry), op) { scratch in
            xf.withUnsafeBufferPointer(of: Float.self) { px in
                wf.withUnsafeBufferPointer(of: Float.self) { pw in
                    y.withUnsafeMutableBufferPointer(of: Float.self) { py in
                        withBias(bf) { pb in
                            kernel(px.baseAddress!, pw.baseAddress!, pb, py.baseAddress!, scratch)
                        }
                    }
                }
            }
        }
        return try restore(y, to: x.dtype)
    }

    /// Calls `body` with the float32 bias' base address, or nil when there is no bias.
    private static func withBias(_ bias: Tensor?, _ body: (UnsafePointer<Float>?) -> Void) {
        guard let bias else { return body(nil) }
        bias.withUnsafeBufferPointer(of: Float.self) { body($0.baseAddress) }
    }
}
