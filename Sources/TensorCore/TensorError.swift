/// Errors raised by tensor construction, shape arithmetic and `.npy` files.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A shape with a negative dimension or whose element count overflows.
    case invalidShape([Int], reason: String)
    /// Shapes that do not broadcast together.
    case notBroadcastable([Int], [Int])
    /// A byte count that does not match the shape and dtype.
    case byteCountMismatch(expected: Int, got: Int)
    /// A dtype that this operation does not handle.
    case unsupportedDType(DType, String)
    /// A malformed `.npy` file or one in a layout we refuse.
    case npy(String)

    public var description: String {
        switch self {
        case .invalidShape(let shape, let reason): "invalid shape \(shape): \(reason)"
        case .notBroadcastable(let a, let b): "shapes \(a) and \(b) do not broadcast"
        case .byteCountMismatch(let expected, let got): "expected \(expected) bytes, got \(got)"
        case .unsupportedDType(let dtype, let context): "dtype \(dtype) is not supported \(context)"
        case .npy(let message): message
        }
    }
}
