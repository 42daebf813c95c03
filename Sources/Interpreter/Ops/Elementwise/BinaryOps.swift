import TensorCore

// Binary elementwise ops with NumPy broadcasting. Each op is a small struct (a table row) giving
// its element function; `apply` picks the loop for the dtype once per call, and because the
// struct is a concrete type at every registration site the loops are specialised per op.
//
// Integer semantics (documented choices where ONNX leaves them open): Add, Sub, Mul wrap on
// overflow; Div truncates toward zero, `x / 0` is 0 (numpy's choice) and `min / -1` wraps to min.

/// A function of two elements of one numeric dtype, given for floats (computed in Float or
/// Double) and for integers.
protocol NumericBinaryFunction: BinaryElementwise {
    /// The integer dtypes this op accepts.
    static var integers: IntegerSupport { get }
    func float<T: MathFloat>(_ a: T, _ b: T) -> T
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T
}

extension NumericBinaryFunction {
    /// This function over `a` and `b` (same dtype) with broadcasting.
    /// - Throws: `OpError` for differing or unsupported dtypes and unbroadcastable shapes.
    func apply(_ op: String, _ a: Tensor, _ b: Tensor) throws(OpError) -> Tensor {
        guard a.dtype == b.dtype else {
            throw OpError("\(op): input dtypes \(a.dtype) and \(b.dtype) differ")
        }
        switch a.dtype {
        case .float32: return try floats(op, a, b, Float.self)
        case .float64: return try floats(op, a, b, Double.self)
        case .float16: return try floats(op, a, b, Float16.self)
        case .bfloat16: return try floats(op, a, b, BFloat16.self)
        default: break
        }
        guard Self.integers.accepts(a.dtype) else { throw unsupported(op, a.dtype) }
        switch a.dtype {
        case .int8: return try integers(op, a, b, Int8.self)
        case .int16: return try integers(op, a, b, Int16.self)
        case .int32: return try integers(op, a, b, Int32.self)
        case .int64: return try integers(op, a, b, Int64.self)
        case .uint8: return try integers(op, a, b, UInt8.self)
        case .uint16: return try integers(op, a, b, UInt16.self)
        case .uint32: return try integers(op, a, b, UInt32.self)
        case .uint64: return try integers(op, a, b, UInt64.self)
        default: throw unsupported(op, a.dtype)
        }
    }

    private func floats<S: FloatElement>(_ op: String, _ a: Tensor, _ b: Tensor, _: S.Type) throws(OpError)
        -> Tensor
    {
        try broadcastBinary(op, a, b) { (x: S, y: S) in S(computed: float(x.computed, y.computed)) }
    }

    private func integers<S: IntegerElement>(_ op: String, _ a: Tensor, _ b: Tensor, _: S.Type)
        throws(OpError) -> Tensor
    {
        try broadcastBinary(op, a, b) { (x: S, y: S) in integer(x, y) }
    }
}

/// The rows of the arithmetic table.
enum Arithmetic {
    struct Add: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a + b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &+ b }
    }

    struct Sub: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a - b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &- b }
    }

    struct Mul: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a * b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &* b }
    }

    struct Div: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a / b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
            b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
        }
    }

    /// NaN in either operand gives NaN, as numpy's `maximum` (the ONNX reference) does.
    struct Max: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a > b || a.isNaN ? a : b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a > b ? a : b }
    }

    struct Min: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a < b || a.isNaN ? a : b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a < b ? a : b }
    }

    /// PRelu(X, slope): `slope * x` where x < 0.
    struct PRelu: NumericBinaryFunction {
        static var integers: IntegerSupport { .all }
        func float<T: MathFloat>(_ a: T, _ b: T) -> T { a < 0 ? a * b : a }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a < 0 ? a &* b : a }
    }

    /// Mod, https://onnx.ai/onnx/operators/onnx__Mod.html. With `fmod = 0` the result takes
    /// the divisor's sign (Python's `%`), with `fmod = 1` the dividend's (C's `fmod`). ONNX
    /// requires `fmod = 1` for floats; like its reference (`np.mod`) we accept 0 too.
    /// Integer `x mod 0` is 0, as in numpy.
    struct Mod: NumericBinaryFunction {
        let fmod: Bool
        static var integers: IntegerSupport { .all }

        func float<T: MathFloat>(_ a: T, _ b: T) -> T {
            let r = a.truncatingRemainder(dividingBy: b)
            if fmod || r == 0 || (r < 0) == (b < 0) { return r }
            return r + b
        }

        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
            guard b != 0 else { return 0 }
            let r = a.remainderReportingOverflow(dividingBy: b).partialValue  // min % -1 → 0
            if fmod || r == 0 || (r < 0) == (b < 0) { return r }
            return r &+ b
        }
    }
}

// MARK: - Comparison

/// A comparison of two elements of one dtype; the output is bool.
protocol ComparisonFunction: BinaryElementwise {
    /// True for Equal, the one comparison ONNX defines on bool.
    static var acceptsBool: Bool { get }
    func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool
}

extension ComparisonFunction {
    /// This comparison over `a` and `b` (same dtype) with broadcasting.
    func apply(_ op: String, _ a: Tensor, _ b: Tensor) throws(OpError) -> Tensor {
        guard a.dtype == b.dtype else {
            throw OpError("\(op): input dtypes \(a.dtype) and \(b.dtype) differ")
        }
        switch a.dtype {
        case .float32: return try compare(op, a, b, Float.self)
        case .float64: return try compare(op, a, b, Double.self)
        case .float16:
            return try broadcastBinary(op, a, b) { (x: Float16, y: Float16) in self(x.computed, y.computed) }
        case .bfloat16:
            return try broadcastBinary(op, a, b) { (x: BFloat16, y: BFloat16) in self(x.computed, y.computed)
            }
        case .int8: return try compare(op, a, b, Int8.self)
        case .int16: return try compare(op, a, b, Int16.self)
        case .int32: return try compare(op, a, b, Int32.self)
        case .int64: return try compare(op, a, b, Int64.self)
        case .uint8: return try compare(op, a, b, UInt8.self)
        case .uint16: return try compare(op, a, b, UInt16.self)
        case .uint32: return try compare(op, a, b, UInt32.self)
        case .uint64: return try compare(op, a, b, UInt64.self)
        case .bool where Self.acceptsBool:
            return try broadcastBinary(op, a, b) { (x: Bool, y: Bool) in self(x ? 1 : 0 as UInt8, y ? 1 : 0) }
        default: throw unsupported(op, a.dtype)
        }
    }

    private func compare<S: TensorElement & Comparable>(_ op: String, _ a: Tensor, _ b: Tensor, _: S.Type)
        throws(OpError) -> Tensor
    {
        try broadcastBinary(op, a, b) { (x: S, y: S) in self(x, y) }
    }
}

/// The rows of the comparison table. NaN compares false (unequal) with everything.
enum Comparison {
    struct Equal: ComparisonFunction {
        static var acceptsBool: Bool { true }
        func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
    }

    struct Greater: ComparisonFunction {
        static var acceptsBool: Bool { false }
        func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
    }

    struct GreaterOrEqual: ComparisonFunction {
        static var acceptsBool: Bool { false }
        func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
    }

    struct Less: ComparisonFunction {
        static var acceptsBool: Bool { false }
        func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
    }

    struct LessOrEqual: ComparisonFunction {
        static var acceptsBool: Bool { false }
        func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
    }
}

// MARK: - Logic

/// A function of two bools.
protocol LogicFunction: BinaryElementwise {
    func callAsFunction(_ a: Bool, _ b: Bool) -> Bool
}

extension LogicFunction {
    func apply(_ op: String, _ a: Tensor, _ b: Tensor) throws(OpError) -> Tensor {
        guard a.dtype == .bool else { throw unsupported(op, a.dtype) }
        guard b.dtype == .bool else { throw unsupported(op, b.dtype) }
        return try broadcastBinary(op, a, b) { (x: Bool, y: Bool) in self(x, y) }
    }
}

enum Logic {
    struct And: LogicFunction { func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a && b } }
    struct Or: LogicFunction { func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a || b } }
    struct Xor: LogicFunction { func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a != b } }
}
