import GraphIR
import Kernels

/// The rows of the float unary table: one struct per ONNX op, with its attributes parsed at
/// plan time. Formulas follow the ONNX operator pages (https://onnx.ai/onnx/operators/).
enum UnaryMath {
    struct Reciprocal: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { 1 / x } }
    struct Sqrt: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { x.squareRoot() } }
    struct Exp: FloatUnaryFunction {
        var activation: Kernels.Activation? { .exp }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { T.exp(x) }
    }
    struct Log: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.log(x) } }
    struct Sin: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.sin(x) } }
    struct Cos: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.cos(x) } }
    struct Tan: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.tan(x) } }
    struct Asin: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.asin(x) } }
    struct Acos: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.acos(x) } }
    struct Atan: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.atan(x) } }
    struct Sinh: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.sinh(x) } }
    struct Cosh: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.cosh(x) } }
    struct Tanh: FloatUnaryFunction {
        var activation: Kernels.Activation? { .tanh }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { T.tanh(x) }
    }
    struct Asinh: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.asinh(x) } }
    struct Acosh: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.acosh(x) } }
    struct Atanh: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { T.atanh(x) } }
    struct Erf: FloatUnaryFunction {
        var activation: Kernels.Activation? { .erf }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { T.erf(x) }
    }
    struct Floor: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { x.rounded(.down) } }
    struct Ceil: FloatUnaryFunction { func callAsFunction<T: MathFloat>(_ x: T) -> T { x.rounded(.up) } }
    /// Halves round to the even neighbour (numpy's `round`).
    struct Round: FloatUnaryFunction {
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x.rounded(.toNearestOrEven) }
    }

    /// Split at 0 so that `exp` never overflows: 1 / (1 + e^-x) or e^x / (1 + e^x).
    struct Sigmoid: FloatUnaryFunction {
        var activation: Kernels.Activation? { .sigmoid }
        func callAsFunction<T: MathFloat>(_ x: T) -> T {
            if x >= 0 { return 1 / (1 + T.exp(-x)) }
            let e = T.exp(x)
            return e / (1 + e)
        }
    }

    /// log(1 + e^x), written to neither overflow for large x nor lose precision for small.
    struct Softplus: FloatUnaryFunction {
        func callAsFunction<T: MathFloat>(_ x: T) -> T { softplus(x) }
    }

    struct Softsign: FloatUnaryFunction {
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x / (1 + Swift.abs(x)) }
    }

    struct LeakyRelu: FloatUnaryFunction {
        let alpha: Float
        init(_ node: Node) throws { alpha = try node.float("alpha", default: 0.01) }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x < 0 ? T(alpha) * x : x }
    }

    struct ThresholdedRelu: FloatUnaryFunction {
        let alpha: Float
        init(_ node: Node) throws { alpha = try node.float("alpha", default: 1) }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x > T(alpha) ? x : 0 }
    }

    struct Elu: FloatUnaryFunction {
        let alpha: Float
        init(_ node: Node) throws { alpha = try node.float("alpha", default: 1) }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x < 0 ? T(alpha) * T.expm1(x) : x }
    }

    /// max(0, x) + min(0, α·(e^(x/α) − 1)).
    struct Celu: FloatUnaryFunction {
        let alpha: Float
        init(_ node: Node) throws { alpha = try node.float("alpha", default: 1) }
        func callAsFunction<T: MathFloat>(_ x: T) -> T {
            x > 0 ? x : T(alpha) * T.expm1(x / T(alpha))
        }
    }

    struct Selu: FloatUnaryFunction {
        let alpha: Float
        let gamma: Float
        init(_ node: Node) throws {
            alpha = try node.float("alpha", default: 1.67326319217681884765625)
            gamma = try node.float("gamma", default: 1.05070102214813232421875)
        }
        func callAsFunction<T: MathFloat>(_ x: T) -> T {
            x > 0 ? T(gamma) * x : T(gamma) * T(alpha) * T.expm1(x)
        }
    }

    /// max(0, min(1, α·x + β)).
    struct HardSigmoid: FloatUnaryFunction {
        let alpha: Float
        let beta: Float
        init(_ node: Node) throws {
            alpha = try node.float("alpha", default: 0.2)
            beta = try node.float("beta", default: 0.5)
        }
        func callAsFunction<T: MathFloat>(_ x: T) -> T { hardSigmoid(x, alpha: T(alpha), beta: T(beta)) }
    }

    /// x · HardSigmoid(x) with α = 1/6, β = 0.5.
    struct HardSwish: FloatUnaryFunction {
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x * hardSigmoid(x, alpha: 1 / 6, beta: 0.5) }
    }

    /// x · tanh(softplus(x)).
    struct Mish: FloatUnaryFunction {
        func callAsFunction<T: MathFloat>(_ x: T) -> T { x * T.tanh(softplus(x)) }
    }

    /// Gelu (opset 20): x·Φ(x) exactly with `approximate = "none"`, or the tanh approximation
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) with `approximate = "tanh"`.
    struct Gelu: FloatUnaryFunction {
        let tanhApproximation: Bool
        var activation: Kernels.Activation? { tanhApproximation ? .geluTanh : .gelu }

        init(_ node: Node) throws {
            switch try node.string("approximate", default: "none") {
            case "none": tanhApproximation = false
            case "tanh": tanhApproximation = true
            case let other:
                throw OpError("Gelu: attribute 'approximate' must be \"none\" or \"tanh\", got \"\(other)\"")
            }
        }

        func callAsFunction<T: MathFloat>(_ x: T) -> T {
            if tanhApproximation {
                let sqrtTwoOverPi: T = 0.797_884_560_802_865_4
                return 0.5 * x * (1 + T.tanh(sqrtTwoOverPi * (x + 0.044_715 * x * x * x)))
            }
            let oneOverSqrtTwo: T = 0.707_106_781_186_547_5
            return 0.5 * x * (1 + T.erf(x * oneOverSqrtTwo))
        }
    }
}

@inline(__always)
private func softplus<T: MathFloat>(_ x: T) -> T {
    x > 0 ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x))
}

@inline(__always)
private func hardSigmoid<T: MathFloat>(_ x: T, alpha: T, beta: T) -> T {
    max(0, min(1, alpha * x + beta))
}
