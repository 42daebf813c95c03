import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The two types float math runs in (Float, Double), with the C library functions the
/// elementwise ops need. Generic code over `MathFloat` is specialised per type, so each call
/// below becomes a direct call to `expf`, `exp`…
protocol MathFloat: BinaryFloatingPoint, Sendable {
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tan(_ x: Self) -> Self
    static func asin(_ x: Self) -> Self
    static func acos(_ x: Self) -> Self
    static func atan(_ x: Self) -> Self
    static func sinh(_ x: Self) -> Self
    static func cosh(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func asinh(_ x: Self) -> Self
    static func acosh(_ x: Self) -> Self
    static func atanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
}

extension Float: MathFloat {
    static func exp(_ x: Float) -> Float { expf(x) }
    static func expm1(_ x: Float) -> Float { expm1f(x) }
    static func log(_ x: Float) -> Float { logf(x) }
    static func log1p(_ x: Float) -> Float { log1pf(x) }
    static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    static func sin(_ x: Float) -> Float { sinf(x) }
    static func cos(_ x: Float) -> Float { cosf(x) }
    static func tan(_ x: Float) -> Float { tanf(x) }
    static func asin(_ x: Float) -> Float { asinf(x) }
    static func acos(_ x: Float) -> Float { acosf(x) }
    static func atan(_ x: Float) -> Float { atanf(x) }
    static func sinh(_ x: Float) -> Float { sinhf(x) }
    static func cosh(_ x: Float) -> Float { coshf(x) }
    static func tanh(_ x: Float) -> Float { tanhf(x) }
    static func asinh(_ x: Float) -> Float { asinhf(x) }
    static func acosh(_ x: Float) -> Float { acoshf(x) }
    static func atanh(_ x: Float) -> Float { atanhf(x) }
    static func erf(_ x: Float) -> Float { erff(x) }
}

// Inside `extension Double` a bare `exp(x)` resolves to the member being defined, so the C
// functions are reached through these file-scope forwarders.
private func libmExp(_ x: Double) -> Double { exp(x) }
private func libmExpm1(_ x: Double) -> Double { expm1(x) }
private func libmLog(_ x: Double) -> Double { log(x) }
private func libmLog1p(_ x: Double) -> Double { log1p(x) }
private func libmSin(_ x: Double) -> Double { sin(x) }
private func libmCos(_ x: Double) -> Double { cos(x) }
private func libmTan(_ x: Double) -> Double { tan(x) }
private func libmAsin(_ x: Double) -> Double { asin(x) }
private func libmAcos(_ x: Double) -> Double { acos(x) }
private func libmAtan(_ x: Double) -> Double { atan(x) }
private func libmSinh(_ x: Double) -> Double { sinh(x) }
private func libmCosh(_ x: Double) -> Double { cosh(x) }
private func libmTanh(_ x: Double) -> Double { tanh(x) }
private func libmAsinh(_ x: Double) -> Double { asinh(x) }
private func libmAcosh(_ x: Double) -> Double { acosh(x) }
private func libmAtanh(_ x: Double) -> Double { atanh(x) }
private func libmErf(_ x: Double) -> Double { erf(x) }
private func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

extension Double: MathFloat {
    static func exp(_ x: Double) -> Double { libmExp(x) }
    static func expm1(_ x: Double) -> Double { libmExpm1(x) }
    static func log(_ x: Double) -> Double { libmLog(x) }
    static func log1p(_ x: Double) -> Double { libmLog1p(x) }
    static func pow(_ x: Double, _ y: Double) -> Double { libmPow(x, y) }
    static func sin(_ x: Double) -> Double { libmSin(x) }
    static func cos(_ x: Double) -> Double { libmCos(x) }
    static func tan(_ x: Double) -> Double { libmTan(x) }
    static func asin(_ x: Double) -> Double { libmAsin(x) }
    static func acos(_ x: Double) -> Double { libmAcos(x) }
    static func atan(_ x: Double) -> Double { libmAtan(x) }
    static func sinh(_ x: Double) -> Double { libmSinh(x) }
    static func cosh(_ x: Double) -> Double { libmCosh(x) }
    static func tanh(_ x: Double) -> Double { libmTanh(x) }
    static func asinh(_ x: Double) -> Double { libmAsinh(x) }
    static func acosh(_ x: Double) -> Double { libmAcosh(x) }
    static func atanh(_ x: Double) -> Double { libmAtanh(x) }
    static func erf(_ x: Double) -> Double { libmErf(x) }
}

/// A tensor element stored as a float type and computed in a ``MathFloat``: itself for
/// float32/float64, Float for float16 and bfloat16 (one rounding on the way back, as
/// onnxruntime does).
protocol FloatElement: TensorElement {
    associatedtype Compute: MathFloat
    init(computed: Compute)
    var computed: Compute { get }
}

extension Float: FloatElement {
    init(computed: Float) { self = computed }
    var computed: Float { self }
}

extension Double: FloatElement {
    init(computed: Double) { self = computed }
    var computed: Double { self }
}

extension Float16: FloatElement {
    init(computed: Float) { self.init(computed) }
    var computed: Float { Float(self) }
}

extension BFloat16: FloatElement {
    init(computed: Float) { self.init(computed) }
    var computed: Float { floatValue }
}

/// An integer tensor element.
typealias IntegerElement = FixedWidthInteger & TensorElement

/// Which integer dtypes an op accepts besides the float ones.
enum IntegerSupport: Sendable {
    case none, signed, all

    func accepts(_ dtype: DType) -> Bool {
        switch self {
        case .none: false
        case .signed: dtype.isSignedInteger
        case .all: dtype.isInteger
        }
    }
}

/// The error for an input dtype an op does not handle.
func unsupported(_ op: String, _ dtype: DType, _ role: String = "input") -> OpError {
    OpError("\(op) does not support \(role) dtype \(dtype)")
}
