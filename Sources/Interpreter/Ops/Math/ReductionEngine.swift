#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// What a Reduce* op computes over the reduced elements.
enum ReduceKind: Sendable {
    case sum, mean, max, min, prod, l1, l2, logSum, logSumExp, sumSquare

    /// The kinds integers compute exactly in their own type (wrapping, as NumPy does); the
    /// others go through Double.
    var isExactOnIntegers: Bool {
        switch self {
        case .sum, .max, .min, .prod, .l1, .sumSquare: true
        case .mean, .l2, .logSum, .logSumExp: false
        }
    }
}

/// A tensor seen as (outer, reduced, inner) for a reduction over some of its axes.
///
/// Unit axes do not move memory, so they are ignored when deciding whether the reduced axes are
/// adjacent; when they are not, `permutation` moves them last (a copy) and inner is 1.
struct ReductionLayout {
    var outer = 1, reduced = 1, inner = 1
    var permutation: [Int]?

    init(shape: [Int], axes: Set<Int>) {
        let moving = shape.indices.filter { shape[$0] != 1 }
        let positions = moving.indices.filter { axes.contains(moving[$0]) }
        guard let first = positions.first, let last = positions.last else {
            outer = shape.reduce(1, *)
            return
        }
        if last - first + 1 == positions.count {
            outer = moving[..<first].reduce(1) { $0 * shape[$1] }
            reduced = moving[first...last].reduce(1) { $0 * shape[$1] }
            inner = moving[(last + 1)...].reduce(1) { $0 * shape[$1] }
        } else {
            let kept = shape.indices.filter { !axes.contains($0) }, gone = shape.indices.filter { axes.contains($0) }
            permutation = kept + gone
            outer = kept.reduce(1) { $0 * shape[$1] }
            reduced = gone.reduce(1) { $0 * shape[$1] }
        }
    }
}

/// The one loop behind every Reduce* op: x (outer, reduced, inner) → y (outer, inner).
enum ReductionEngine {
    /// `x` reduced over `axes` (normalized, distinct) with the shape `outputShape` (keepdims
    /// already applied). The result has x's dtype.
    static func run(
        _ kind: ReduceKind, _ x: Tensor, axes: [Int], outputShape: [Int], _ op: String
    ) throws(OpError) -> Tensor {
        let layout = ReductionLayout(shape: x.shape, axes: Set(axes))
        let source = try layout.permutation.map { (p) throws(OpError) in try MathSupport.permuted(x, p) } ?? x
        switch source.dtype {
        case .float32: return try floats(kind, source, layout, Float.self, outputShape)
        case .float64: return try floats(kind, source, layout, Double.self, outputShape)
        case .float16, .bfloat16:
            let y = try floats(kind, MathSupport.cast(source, to: .float32), layout, Float.self, outputShape)
            return try MathSupport.cast(y, to: source.dtype)
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64:
            guard kind.isExactOnIntegers else {
                let y = try floats(kind, MathSupport.cast(source, to: .float64), layout, Double.self, outputShape)
                return try ShapeSupport.tensor(y.scalars(as: Double.self), dtype: source.dtype, shape: outputShape)
            }
            switch source.dtype {
            case .int8: return try integers(kind, source, layout, Int8.self, outputShape)
            case .uint8: return try integers(kind, source, layout, UInt8.self, outputShape)
            case .int16: return try integers(kind, source, layout, Int16.self, outputShape)
            case .uint16: return try integers(kind, source, layout, UInt16.self, outputShape)
            case .int32: return try integers(kind, source, layout, Int32.self, outputShape)
            case .uint32: return try integers(kind, source, layout, UInt32.self, outputShape)
            case .int64: return try integers(kind, source, layout, Int64.self, outputShape)
            default: return try integers(kind, source, layout, UInt64.self, outputShape)
            }
        case .bool where kind == .max || kind == .min:
            let any = kind == .max
            return try apply(source, layout, Bool.self, outputShape) { x, y in
                fold(x, y, layout, initial: !any) { any ? $0 || $1 : $0 && $1 }
            }
        default: throw OpError("\(op): dtype \(x.dtype) is not supported")
        }
    }

    private static func floats<T: ReductionFloat>(
        _ kind: ReduceKind, _ x: Tensor, _ layout: ReductionLayout, _ type: T.Type, _ shape: [Int]
    ) throws(OpError) -> Tensor {
        try apply(x, layout, T.self, shape) { x, y in
            let count = layout.outer * layout.inner
            switch kind {
            case .sum: fold(x, y, layout, initial: 0) { $0 + $1 }
            case .mean:
                fold(x, y, layout, initial: 0) { $0 + $1 }
                for i in 0..<count { y[i] /= T(layout.reduced) }
            // NaN wins, as in NumPy: once the accumulator is NaN no comparison replaces it.
            case .max: fold(x, y, layout, initial: -.infinity) { $1 > $0 || $1.isNaN ? $1 : $0 }
            case .min: fold(x, y, layout, initial: .infinity) { $1 < $0 || $1.isNaN ? $1 : $0 }
            case .prod: fold(x, y, layout, initial: 1) { $0 * $1 }
            case .l1: fold(x, y, layout, initial: 0) { $0 + abs($1) }
            case .sumSquare: fold(x, y, layout, initial: 0) { $0 + $1 * $1 }
            case .l2:
                fold(x, y, layout, initial: 0) { $0 + $1 * $1 }
                for i in 0..<count { y[i] = y[i].squareRoot() }
            case .logSum:
                fold(x, y, layout, initial: 0) { $0 + $1 }
                for i in 0..<count { y[i] = T.logarithm(y[i]) }
            case .logSumExp: logSumExp(x, y, layout)
            }
        }
    }

    /// log Σ exp(x), shifted by the largest finite element so exp cannot overflow (infinities
    /// and NaN then flow through exp and log unchanged).
    private static func logSumExp<T: ReductionFloat>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ layout: ReductionLayout
    ) {
        let count = layout.outer * layout.inner
        let shift = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
        defer { shift.deallocate() }
        fold(x, shift, layout, initial: -.infinity) { $1.isFinite && $1 > $0 ? $1 : $0 }
        for i in 0..<count where !shift[i].isFinite { shift[i] = 0 }
        for o in 0..<layout.outer {
            for i in 0..<layout.inner {
                let s = shift[o * layout.inner + i]
                var sum: T = 0
                for r in 0..<layout.reduced { sum += T.exponential(x[(o * layout.reduced + r) * layout.inner + i] - s) }
                y[o * layout.inner + i] = T.logarithm(sum) + s
            }
        }
    }

    private static func integers<T: FixedWidthInteger & TensorElement>(
        _ kind: ReduceKind, _ x: Tensor, _ layout: ReductionLayout, _ type: T.Type, _ shape: [Int]
    ) throws(OpError) -> Tensor {
        try apply(x, layout, T.self, shape) { x, y in
            switch kind {
            case .sum: fold(x, y, layout, initial: 0) { $0 &+ $1 }
            case .prod: fold(x, y, layout, initial: 1) { $0 &* $1 }
            case .max: fold(x, y, layout, initial: T.min) { Swift.max($0, $1) }
            case .min: fold(x, y, layout, initial: T.max) { Swift.min($0, $1) }
            case .l1: fold(x, y, layout, initial: 0) { $0 &+ ($1 < 0 ? 0 &- $1 : $1) }
            case .sumSquare: fold(x, y, layout, initial: 0) { $0 &+ $1 &* $1 }
            case .mean, .l2, .logSum, .logSumExp: preconditionFailure("\(kind) on integers goes through Double")
            }
        }
    }

    /// Allocates y and hands `body` the element pointers of x and y.
    private static func apply<T: TensorElement>(
        _ x: Tensor, _ layout: ReductionLayout, _ type: T.Type, _ shape: [Int],
        _ body: (UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void
    ) throws(OpError) -> Tensor {
        var y = try ShapeSupport.allocate(x.dtype, shape)
        precondition(y.count == layout.outer * layout.inner, "reduction layout disagrees with the output shape")
        guard y.count > 0 else { return y }
        x.withUnsafeBufferPointer(of: T.self) { px in
            y.withUnsafeMutableBufferPointer(of: T.self) { py in body(px.baseAddress!, py.baseAddress!) }
        }
        return y
    }

    /// y[o, i] = combine(…combine(initial, x[o, 0, i])…, x[o, reduced − 1, i]).
    @inline(__always)
    static func fold<T>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ layout: ReductionLayout, initial: T,
        _ combine: (T, T) -> T
    ) {
        let (reduced, inner) = (layout.reduced, layout.inner)
        if inner == 1 {
            for o in 0..<layout.outer {
                var accumulator = initial
                for r in 0..<reduced { accumulator = combine(accumulator, x[o * reduced + r]) }
                y[o] = accumulator
            }
            return
        }
        for o in 0..<layout.outer {
            let out = y + o * inner
            for i in 0..<inner { out[i] = initial }
            for r in 0..<reduced {
                let row = x + (o * reduced + r) * inner
                for i in 0..<inner { out[i] = combine(out[i], row[i]) }
            }
        }
    }
}

/// Float and Double with the two transcendental functions the reductions need.
protocol ReductionFloat: BinaryFloatingPoint & TensorElement {
    static func exponential(_ x: Self) -> Self
    static func logarithm(_ x: Self) -> Self
}

extension Float: ReductionFloat {
    static func exponential(_ x: Float) -> Float { libmExp(x) }
    static func logarithm(_ x: Float) -> Float { libmLog(x) }
}

extension Double: ReductionFloat {
    static func exponential(_ x: Double) -> Double { libmExp(x) }
    static func logarithm(_ x: Double) -> Double { libmLog(x) }
}

// At file scope `exp` and `log` are the C library's; inside a Float or Double extension they
// could resolve to static members other files add.
private func libmExp(_ x: Float) -> Float { exp(x) }
private func libmLog(_ x: Float) -> Float { log(x) }
private func libmExp(_ x: Double) -> Double { exp(x) }
private func libmLog(_ x: Double) -> Double { log(x) }
