import GraphIR
import TensorCore

// The elementwise family: unary math, binary arithmetic/comparison/logic with NumPy
// broadcasting, the variadic folds, Clip, Where, Pow and Cast.
//
// Each trivial op is a row: (op type, since-version, factory). The factory helpers below are
// generic over the row's function type and are called with a concrete type on every row, so
// each op's loops are compiled for that op — no per-element dynamic dispatch. The operator
// they return (`Elementwise`) holds the specialised loop as a closure, since a generic
// operator struct called through `any Operator` would run its unspecialised code.

/// Registers the elementwise family. Since-versions are where the op first exists; where its
/// semantics changed later (broadcasting before opset 7, Clip's bounds in opset 11, Cast's
/// `to` in opset 6), the op's factory reads `OpContext.opset`.
func registerElementwiseOps(_ registry: inout OpRegistry) {
    let rows: [(op: String, since: Int, factory: OpFactory)] = [
        // Binary arithmetic (legacy broadcast attributes before opset 7).
        ("Add", 1, binary(Arithmetic.Add())),
        ("Sub", 1, binary(Arithmetic.Sub())),
        ("Mul", 1, binary(Arithmetic.Mul())),
        ("Div", 1, binary(Arithmetic.Div())),
        (
            "Mod", 10,
            { context in
                try binary(Arithmetic.Mod(fmod: context.node.int("fmod", default: 0) != 0))(context)
            }
        ),
        ("Pow", 1, { context in Pow(legacy: try LegacyBroadcast(context)) }),
        ("PRelu", 1, { context in prelu(opset: context.opset) }),
        // Comparison and logic (bool output).
        ("Equal", 1, binary(Comparison.Equal())),
        ("Greater", 1, binary(Comparison.Greater())),
        ("GreaterOrEqual", 12, binary(Comparison.GreaterOrEqual())),
        ("Less", 1, binary(Comparison.Less())),
        ("LessOrEqual", 12, binary(Comparison.LessOrEqual())),
        ("And", 1, binary(Logic.And())),
        ("Or", 1, binary(Logic.Or())),
        ("Xor", 1, binary(Logic.Xor())),
        ("Not", 1, { _ in Elementwise { inputs in try not(inputs.required(0)) } }),
        ("Where", 9, { _ in Where() }),
        // Variadic.
        ("Max", 1, { context in variadic(context.node.opType, Arithmetic.Max()) }),
        ("Min", 1, { context in variadic(context.node.opType, Arithmetic.Min()) }),
        ("Sum", 1, { context in variadic(context.node.opType, Arithmetic.Add()) }),
        ("Mean", 1, { context in variadic(context.node.opType, Arithmetic.Add(), isMean: true) }),
        // Unary on floats and integers.
        ("Neg", 1, unary(NumericUnary.Neg())),
        ("Abs", 1, unary(NumericUnary.Abs())),
        ("Sign", 9, unary(NumericUnary.Sign())),
        ("Relu", 1, unary(NumericUnary.Relu())),
        ("IsNaN", 9, unary { _ in FloatTest.IsNaN() }),
        (
            "IsInf", 10,
            unary { node in
                FloatTest.IsInf(
                    detectNegative: try node.int("detect_negative", default: 1) != 0,
                    detectPositive: try node.int("detect_positive", default: 1) != 0)
            }
        ),
        // Unary float math.
        ("Reciprocal", 1, unary(UnaryMath.Reciprocal())),
        ("Sqrt", 1, unary(UnaryMath.Sqrt())),
        ("Exp", 1, unary(UnaryMath.Exp())),
        ("Log", 1, unary(UnaryMath.Log())),
        ("Sin", 7, unary(UnaryMath.Sin())),
        ("Cos", 7, unary(UnaryMath.Cos())),
        ("Tan", 7, unary(UnaryMath.Tan())),
        ("Asin", 7, unary(UnaryMath.Asin())),
        ("Acos", 7, unary(UnaryMath.Acos())),
        ("Atan", 7, unary(UnaryMath.Atan())),
        ("Sinh", 9, unary(UnaryMath.Sinh())),
        ("Cosh", 9, unary(UnaryMath.Cosh())),
        ("Asinh", 9, unary(UnaryMath.Asinh())),
        ("Acosh", 9, unary(UnaryMath.Acosh())),
        ("Atanh", 9, unary(UnaryMath.Atanh())),
        ("Tanh", 1, unary(UnaryMath.Tanh())),
        ("Sigmoid", 1, unary(UnaryMath.Sigmoid())),
        ("Erf", 9, unary(UnaryMath.Erf())),
        ("Floor", 1, unary(UnaryMath.Floor())),
        ("Ceil", 1, unary(UnaryMath.Ceil())),
        ("Round", 11, unary(UnaryMath.Round())),
        ("Softplus", 1, unary(UnaryMath.Softplus())),
        ("Softsign", 1, unary(UnaryMath.Softsign())),
        ("HardSwish", 14, unary(UnaryMath.HardSwish())),
        ("Mish", 18, unary(UnaryMath.Mish())),
        ("LeakyRelu", 1, unary(UnaryMath.LeakyRelu.init)),
        ("ThresholdedRelu", 10, unary(UnaryMath.ThresholdedRelu.init)),
        ("Elu", 1, unary(UnaryMath.Elu.init)),
        ("Celu", 12, unary(UnaryMath.Celu.init)),
        ("Selu", 1, unary(UnaryMath.Selu.init)),
        ("HardSigmoid", 1, unary(UnaryMath.HardSigmoid.init)),
        ("Gelu", 20, unary(UnaryMath.Gelu.init)),
        // Clip and casts.
        ("Clip", 1, { context in try Clip(context) }),
        ("Cast", 1, { context in try Cast(context) }),
        ("CastLike", 15, { try CastLike($0) }),
    ]
    for row in rows { registry.register(row.op, since: row.since, row.factory) }
    // Made by the plan from Where(IsNaN(x), c, x); see Plan.fuseNaNReplacements.
    let isNaN = unary { _ in FloatTest.IsNaN() }
    registry.register(Plan.replaceNaNOpType, domain: Plan.internalDomain) { context in
        ReplaceNaN(isNaN: try isNaN(context))
    }
}

/// A bound elementwise op with one output; `body` is its loop, specialised for its function.
struct Elementwise: Operator {
    let body: @Sendable ([Tensor?]) throws -> Tensor

    init(_ body: @escaping @Sendable ([Tensor?]) throws -> Tensor) { self.body = body }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] { [try body(inputs)] }
}

// MARK: - Factory helpers

/// An element function applied to two broadcast inputs (the arithmetic, comparison and logic
/// tables each provide `apply` for their protocol).
protocol BinaryElementwise: Sendable {
    func apply(_ op: String, _ a: Tensor, _ b: Tensor) throws(OpError) -> Tensor
}

/// An element function applied to one input (float math, numeric, and predicate tables).
protocol UnaryElementwise: Sendable {
    func apply(_ op: String, _ x: Tensor) throws(OpError) -> Tensor
}

private func binary<F: BinaryElementwise>(_ function: F) -> OpFactory {
    { context in
        let op = context.node.opType
        let legacy = try LegacyBroadcast(context)
        return Elementwise { inputs in
            let a = try inputs.required(0)
            return try function.apply(op, a, legacy.align(op, a, inputs.required(1)))
        }
    }
}

private func unary<F: UnaryElementwise>(_ function: F) -> OpFactory {
    unary { _ in function }
}

/// For rows whose function parses attributes from the node.
private func unary<F: UnaryElementwise>(_ make: @escaping @Sendable (Node) throws -> F) -> OpFactory {
    { context in
        let op = context.node.opType
        let function = try make(context.node)
        return Elementwise { inputs in try function.apply(op, inputs.required(0)) }
    }
}

/// PRelu, https://onnx.ai/onnx/operators/onnx__PRelu.html: slope broadcasts to X
/// (unidirectionally: the output has X's shape). Before opset 7 a 1-D slope of X's channel
/// count applies along axis 1, as PyTorch exported it (`[C]` against `[N, C, …]`).
private func prelu(opset: Int) -> Elementwise {
    Elementwise { inputs in
        let x = try inputs.required(0)
        var slope = try inputs.required(1)
        if opset < 7, slope.rank == 1, x.rank >= 2, slope.count == x.shape[1], slope.count != 1 {
            slope = try slope.reshaped([slope.count] + [Int](repeating: 1, count: x.rank - 2))
        }
        let out = try Arithmetic.PRelu().apply("PRelu", x, slope)
        guard out.shape == x.shape else {
            throw OpError("PRelu: slope of shape \(slope.shape) does not broadcast to X of shape \(x.shape)")
        }
        return out
    }
}

/// Not, https://onnx.ai/onnx/operators/onnx__Not.html.
private func not(_ x: Tensor) throws(OpError) -> Tensor {
    guard x.dtype == .bool else { throw unsupported("Not", x.dtype) }
    return try unaryMap("Not", x) { (v: Bool) in !v }
}
