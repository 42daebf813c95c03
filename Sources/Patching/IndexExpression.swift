/// NumPy basic indexing over a target tensor: integers (negative allowed), `a:b:c` slices, `:`
/// and `...`, comma-separated — the `[INDEX]` part of a patch spec.
public struct IndexExpression: Sendable, Equatable, CustomStringConvertible {
    public enum Item: Sendable, Equatable {
        case index(Int)
        case slice(start: Int?, stop: Int?, step: Int?)
        case ellipsis
    }

    public var items: [Item]

    public init(_ items: [Item]) { self.items = items }

    /// The whole tensor (no index).
    public static let all = IndexExpression([])

    public var description: String {
        items.map { item in
            switch item {
            case .index(let i): "\(i)"
            case .ellipsis: "..."
            case .slice(let start, let stop, let step):
                (start.map(String.init) ?? "") + ":" + (stop.map(String.init) ?? "")
                    + (step.map { ":\($0)" } ?? "")
            }
        }.joined(separator: ", ")
    }

    /// Parses the text between `[` and `]`.
    public static func parse(_ text: String) throws(PatchError) -> IndexExpression {
        let trimmed = text.trimmingSpaces
        if trimmed.isEmpty { throw .malformedIndex(text, "empty index") }
        var items: [Item] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let token = String(part).trimmingSpaces
            if token == "..." {
                guard !items.contains(.ellipsis) else { throw .malformedIndex(text, "more than one '...'") }
                items.append(.ellipsis)
            } else if token.contains(":") {
                let fields = token.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
                guard fields.count <= 3 else { throw .malformedIndex(text, "'\(token)' has more than two ':'") }
                func bound(_ s: String) throws(PatchError) -> Int? {
                    if s.isEmpty { return nil }
                    guard let v = Int(s) else { throw .malformedIndex(text, "'\(s)' is not an integer") }
                    return v
                }
                let step = fields.count == 3 ? try bound(fields[2]) : nil
                if step == 0 { throw .malformedIndex(text, "slice step cannot be zero") }
                items.append(.slice(start: try bound(fields[0]), stop: try bound(fields[1]), step: step))
            } else {
                guard let v = Int(token) else {
                    throw .malformedIndex(text, token.isEmpty ? "empty item" : "'\(token)' is not an integer, slice or '...'")
                }
                items.append(.index(v))
            }
        }
        return IndexExpression(items)
    }

    /// The region this expression selects in a tensor of `shape`.
    ///
    /// - Throws: ``PatchError/indexOutOfRange(index:shape:reason:)`` for out-of-range integers or
    ///   too many indices.
    public func region(in shape: [Int]) throws(PatchError) -> Region {
        let explicit = items.filter { $0 != .ellipsis }.count
        guard explicit <= shape.count else {
            throw .indexOutOfRange(index: description, shape: shape,
                                   reason: "\(explicit) indices for a tensor of rank \(shape.count)")
        }
        var axes: [Region.Axis] = []
        var axis = 0
        for item in items {
            switch item {
            case .ellipsis:
                for _ in 0..<(shape.count - explicit) {
                    axes.append(.init(start: 0, step: 1, count: shape[axis], kept: true))
                    axis += 1
                }
            case .index(let i):
                let n = shape[axis]
                let j = i < 0 ? i + n : i
                guard j >= 0 && j < n else {
                    throw .indexOutOfRange(index: description, shape: shape,
                                           reason: "index \(i) is out of range for axis \(axis) of size \(n)")
                }
                axes.append(.init(start: j, step: 1, count: 1, kept: false))
                axis += 1
            case .slice(let start, let stop, let step):
                axes.append(Self.slice(start: start, stop: stop, step: step ?? 1, size: shape[axis]))
                axis += 1
            }
        }
        while axis < shape.count {
            axes.append(.init(start: 0, step: 1, count: shape[axis], kept: true))
            axis += 1
        }
        return Region(axes: axes)
    }

    /// Python's `slice.indices` clamping.
    static func slice(start: Int?, stop: Int?, step: Int, size n: Int) -> Region.Axis {
        func clamp(_ v: Int, _ low: Int, _ high: Int) -> Int { min(max(v, low), high) }
        let count: Int
        let first: Int
        if step > 0 {
            let s = start.map { $0 < 0 ? clamp($0 + n, 0, n) : clamp($0, 0, n) } ?? 0
            let e = stop.map { $0 < 0 ? clamp($0 + n, 0, n) : clamp($0, 0, n) } ?? n
            first = s
            // Written so that no step (up to Int.max) can overflow: e - s - 1 is in 0..<n.
            count = e > s ? (e - s - 1) / step + 1 : 0
        } else {
            let s = start.map { $0 < 0 ? clamp($0 + n, -1, n - 1) : clamp($0, -1, n - 1) } ?? n - 1
            let e = stop.map { $0 < 0 ? clamp($0 + n, -1, n - 1) : clamp($0, -1, n - 1) } ?? -1
            first = s
            // step.magnitude, since -Int.min does not fit in Int.
            count = s > e ? Int(UInt(s - e - 1) / step.magnitude) + 1 : 0
        }
        return .init(start: count > 0 ? first : 0, step: step, count: count, kept: true)
    }
}

/// A strided box in a tensor: per axis a start, step and count. Axes indexed by an integer are
/// not `kept`: they do not appear in the region's shape (NumPy's `x[i]` drops the axis).
public struct Region: Sendable, Equatable {
    public struct Axis: Sendable, Equatable {
        public var start: Int
        public var step: Int
        public var count: Int
        public var kept: Bool
    }

    public var axes: [Axis]

    /// The shape NumPy gives `x[index]`.
    public var shape: [Int] { axes.filter(\.kept).map(\.count) }
    public var elementCount: Int { axes.reduce(1) { $0 * $1.count } }

    /// Whether the region is the whole tensor of `shape`.
    public func isWhole(of shape: [Int]) -> Bool {
        axes.count == shape.count && zip(axes, shape).allSatisfy { $0.start == 0 && $0.step == 1 && $0.count == $1 && $0.kept }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
