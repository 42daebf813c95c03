import GraphIR
import TensorCore

/// Broadcasting of the binary ops before opset 7: without `broadcast=1` the shapes must match;
/// with it, B is matched against A starting at `axis` (or at A's trailing axes without one).
struct LegacyBroadcast: Sendable {
    private enum Mode: Sendable {
        case numpy, sameShape
        case axis(Int)
    }
    private let mode: Mode

    init(_ context: OpContext) throws {
        guard context.opset < 7 else {
            mode = .numpy
            return
        }
        if try context.node.int("broadcast", default: 0) == 0 {
            mode = .sameShape
        } else if let axis = try context.node.int("axis") {
            mode = .axis(axis)
        } else {
            mode = .numpy
        }
    }

    /// `b` reshaped so that NumPy broadcasting matches it against `a` as the old rules did.
    func align(_ op: String, _ a: Tensor, _ b: Tensor) throws(OpError) -> Tensor {
        switch mode {
        case .numpy:
            return b
        case .sameShape:
            guard a.shape == b.shape || b.count == 1 else {
                throw OpError("\(op): shapes \(a.shape) and \(b.shape) differ and broadcast is 0")
            }
            return b
        case .axis(let raw):
            let axis = raw < 0 ? raw + a.rank : raw
            guard axis >= 0, axis + b.rank <= a.rank else {
                throw OpError(
                    "\(op): B of shape \(b.shape) does not fit A of shape \(a.shape) at axis \(raw)")
            }
            let padded =
                [Int](repeating: 1, count: axis) + b.shape
                + [Int](repeating: 1, count: a.rank - axis - b.rank)
            do { return try b.reshaped(padded) } catch { throw OpError("\(op): \(error)") }
        }
    }
}
