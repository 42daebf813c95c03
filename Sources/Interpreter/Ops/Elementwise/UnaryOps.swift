import Kernels
import TensorCore

// Unary elementwise ops: one contiguous loop per (op, dtype), the element function inlined.
// Float ops run on float32/float64 natively and on float16/bfloat16 through Float.

/// `out[i] = f(x[i])`. x and out hold `x.count` elements of the same shape.
@inline(__always)
func unaryMap<S: TensorElement, R: TensorElement>(
    _ op: String, _ x: Tensor, _ f: (S) -> R
) throws(OpError) -> Tensor {
    let out = try makeOutput(op, R.dtype, x.shape)
    let src = x.elements(S.self)
    let dst = out.mutableElements(R.self)
    for i in 0..<x.count { dst[i] = f(src[i]) }
    return out
}

/// A function of one float, for the float dtypes only.
protocol FloatUnaryFunction: UnaryElementwise {
    func callAsFunction<T: MathFloat>(_ x: T) -> T
    /// The vectorised float32 kernel computing the same function, if there is one.
    var activation: Kernels.Activation? { get }
}

extension FloatUnaryFunction {
    var activation: Kernels.Activation? { nil }

    func apply(_ op: String, _ x: Tensor) throws(OpError) -> Tensor {
        switch x.dtype {
        case .float32:
            if let activation {
                try activationKernel(op, x, activation)
            } else {
                try floats(op, x, Float.self)
            }
        case .float64: try floats(op, x, Double.self)
        case .float16: try floats(op, x, Float16.self)
        case .bfloat16: try floats(op, x, BFloat16.self)
        default: throw unsupported(op, x.dtype)
        }
    }

    private func floats<S: FloatElement>(_ op: String, _ x: Tensor, _: S.Type) throws(OpError) -> Tensor {
        try unaryMap(op, x) { (v: S) in S(computed: self(v.computed)) }
    }
}

/// A float32 tensor through one of the Kernels module's vectorised activations.
private func activationKernel(_ op: String, _ x: Tensor, _ f: Kernels.Activation) throws(OpError) -> Tensor {
    var out = try makeOutput(op, .float32, x.shape)
    x.withUnsafeBufferPointer(of: Float.self) { src in
        out.withUnsafeMutableBufferPointer(of: Float.self) { dst in
            guard let s = src.baseAddress, let d = dst.baseAddress else { return }
            Kernels.activation(f, s, d, count: src.count)
        }
    }
    return out
}

/// A function of one number, given for floats and for the integer dtypes in `integers`.
protocol NumericUnaryFunction: UnaryElementwise {
    static var integers: IntegerSupport { get }
    func float<T: MathFloat>(_ x: T) -> T
    func integer<T: FixedWidthInteger>(_ x: T) -> T
}

extension NumericUnaryFunction {
    func apply(_ op: String, _ x: Tensor) throws(OpError) -> Tensor {
        switch x.dtype {
        case .float32: return try floats(op, x, Float.self)
        case .float64: return try floats(op, x, Double.self)
        case .float16: return try floats(op, x, Float16.self)
        case .bfloat16: return try floats(op, x, BFloat16.self)
        default: break
        }
        guard Self.integers.accepts(x.dtype) else { throw unsupported(op, x.dtype) }
        switch x.dtype {
        case .int8: return try integers(op, x, Int8.self)
        case .int16: return try integers(op, x, Int16.self)
        case .int32: return try integers(op, x, Int32.self)
        case .int64: return try integers(op, x, Int64.self)
        case .uint8: return try integers(op, x, UInt8.self)
        case .uint16: return try integers(op, x, UInt16.self)
        case .uint32: return try integers(op, x, UInt32.self)
        case .uint64: return try integers(op, x, UInt64.self)
        default: throw unsupported(op, x.dtype)
        }
    }

    private func floats<S: FloatElement>(_ op: String, _ x: Tensor, _: S.Type) throws(OpError) -> Tensor {
        try unaryMap(op, x) { (v: S) in S(computed: float(v.computed)) }
    }

    private func integers<S: IntegerElement>(_ op: String, _ x: Tensor, _: S.Type) throws(OpError) -> Tensor {
        try unaryMap(op, x) { (v: S) in integer(v) }
    }
}

/// A test on one float giving a bool (IsNaN, IsInf).
protocol FloatPredicate: UnaryElementwise {
    func callAsFunction<T: MathFloat>(_ x: T) -> Bool
}

extension FloatPredicate {
    func apply(_ op: String, _ x: Tensor) throws(OpError) -> Tensor {
        switch x.dtype {
        case .float32: try unaryMap(op, x) { (v: Float) in self(v) }
        case .float64: try unaryMap(op, x) { (v: Double) in self(v) }
        case .float16: try unaryMap(op, x) { (v: Float16) in self(v.computed) }
        case .bfloat16: try unaryMap(op, x) { (v: BFloat16) in self(v.computed) }
        default: throw unsupported(op, x.dtype)
        }
    }
}

/// The rows of the numeric unary table (floats and integers).
enum NumericUnary {
    /// Integer negation wraps: `-min` is min.
    struct Neg: NumericUnaryFunction {
        static var integers: IntegerSupport { .signed }
        func float<T: MathFloat>(_ x: T) -> T { -x }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { 0 &- x }
    }

    /// `abs(min)` is min for signed integers, as in numpy.
    struct Abs: NumericUnaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ x: T) -> T { Swift.abs(x) }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 &- x : x }
    }

    /// Sign of NaN is NaN.
    struct Sign: NumericUnaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ x: T) -> T { x > 0 ? 1 : x < 0 ? -1 : x.isNaN ? x : 0 }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { x > 0 ? 1 : x < 0 ? 0 &- 1 : 0 }
    }

    /// Signed integers from opset 14 on.
    struct Relu: NumericUnaryFunction {
        static var integers: IntegerSupport { .signed }
        func float<T: MathFloat>(_ x: T) -> T { x < 0 ? 0 : x }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 : x }
    }
}

enum FloatTest {
    struct IsNaN: FloatPredicate {
        func callAsFunction<T: MathFloat>(_ x: T) -> Bool { x.isNaN }
    }

    struct IsInf: FloatPredicate {
        let detectNegative: Bool
        let detectPositive: Bool
        func callAsFunction<T: MathFloat>(_ x: T) -> Bool {
            x.isInfinite && (x < 0 ? detectNegative : detectPositive)
        }
    }
}
