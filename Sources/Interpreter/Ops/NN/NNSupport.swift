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
}
