/// Shape arithmetic shared by every layer: element counts with overflow checks, strides,
/// and NumPy-style broadcasting.
public enum Shape {
    /// The number of elements of `shape`, or an error when a dimension is negative or the
    /// product overflows `Int`.
    public static func elementCount(_ shape: [Int]) throws(TensorError) -> Int {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw .invalidShape(shape, reason: "negative dimension") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw .invalidShape(shape, reason: "element count overflows") }
            count = product
        }
        return count
    }

    /// Row-major (C order) strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The NumPy broadcast of two shapes.
    public static func broadcast(_ a: [Int], _ b: [Int]) throws(TensorError) -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                throw .notBroadcastable(a, b)
            }
        }
        return result
    }

    /// The broadcast of any number of shapes.
    public static func broadcast(_ shapes: [[Int]]) throws(TensorError) -> [Int] {
        var result: [Int] = []
        for shape in shapes { result = try broadcast(result, shape) }
        return result
    }

    /// Strides (in elements) that read a tensor of `shape` as if it had `target` shape:
    /// broadcast axes get stride 0. `shape` must broadcast to `target`.
    public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        precondition(offset >= 0, "shape of higher rank than its broadcast target")
        return (0..<target.count).map { i in
            i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
        }
    }

    /// Normalises a possibly negative axis against `rank`, or nil when out of range.
    public static func normalizeAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(a) ? a : nil
    }
}
