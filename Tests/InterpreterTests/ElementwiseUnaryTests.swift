import GraphIR
import TensorCore
import Testing

@testable import Interpreter

#if canImport(Glibc)
    import Glibc
#endif

/// One float32 unary op on five points; expectations are onnxruntime 1.x outputs
/// (tools-free: printed once with a Python one-off and pasted here).
struct UnaryCase: CustomTestStringConvertible, Sendable {
    let op: String
    let input: [Float]
    let expected: [Float]
    let attributes: [String: Attribute]
    init(_ op: String, _ input: [Float], _ expected: [Float], _ attributes: [String: Attribute] = [:]) {
        self.op = op
        self.input = input
        self.expected = expected
        self.attributes = attributes
    }
    var testDescription: String { attributes.isEmpty ? op : "\(op) \(attributes.keys.sorted())" }
}

private let x: [Float] = [-2, -0.5, 0, 0.5, 2]
private let xa: [Float] = [-0.9, -0.5, 0, 0.5, 0.9]
private let xc: [Float] = [1, 1.5, 2, 3, 10]
private let inf = Float.infinity

@Suite("Elementwise unary ops")
struct ElementwiseUnaryTests {
    static let cases: [UnaryCase] = [
        UnaryCase("Reciprocal", x, [-0.5, -2.0, inf, 2.0, 0.5]),
        UnaryCase(
            "Sqrt", xc, [1.0, 1.2247449159622192, 1.4142135381698608, 1.7320507764816284, 3.1622776985168457]),
        UnaryCase(
            "Exp", x, [0.1353352814912796, 0.6065306663513184, 1.0, 1.6487212181091309, 7.389056205749512]),
        UnaryCase(
            "Log", xc, [0.0, 0.40546509623527527, 0.6931471824645996, 1.0986123085021973, 2.3025851249694824]),
        UnaryCase(
            "Sin", x, [-0.9092974066734314, -0.4794255495071411, 0.0, 0.4794255495071411, 0.9092974066734314]),
        UnaryCase(
            "Cos", x, [-0.41614681482315063, 0.8775825500488281, 1.0, 0.8775825500488281, -0.416146844625473]),
        UnaryCase(
            "Tan", x, [2.185039758682251, -0.5463024973869324, 0.0, 0.5463024973869324, -2.185039758682251]),
        UnaryCase(
            "Asin", xa, [-1.11976957321167, -0.5235987305641174, 0.0, 0.5235987305641174, 1.1197694540023804]),
        UnaryCase(
            "Acos", xa,
            [
                2.690565824508667, 2.094395160675049, 1.5707963705062866, 1.0471975803375244,
                0.4510268568992615,
            ]),
        UnaryCase(
            "Atan", x,
            [-1.1071488857269287, -0.4636475443840027, 0.0, 0.4636475443840027, 1.1071487665176392]),
        UnaryCase(
            "Sinh", x,
            [-3.6268603801727295, -0.5210952758789062, 0.0, 0.5210952758789062, 3.6268603801727295]),
        UnaryCase(
            "Cosh", x, [3.7621958255767822, 1.1276259422302246, 1.0, 1.1276259422302246, 3.7621958255767822]),
        UnaryCase(
            "Tanh", x,
            [-0.9640275835990906, -0.46211716532707214, 0.0, 0.46211716532707214, 0.9640275835990906]),
        UnaryCase(
            "Asinh", x,
            [-1.4436354637145996, -0.4812118411064148, 0.0, 0.4812118411064148, 1.4436354637145996]),
        UnaryCase(
            "Acosh", xc, [0.0, 0.9624236822128296, 1.316957950592041, 1.7627471685409546, 2.993222951889038]),
        UnaryCase(
            "Atanh", xa,
            [-1.4722193479537964, -0.5493061542510986, 0.0, 0.5493061542510986, 1.4722193479537964]),
        UnaryCase(
            "Erf", x, [-0.9953222870826721, -0.5204998850822449, 0.0, 0.5204998850822449, 0.9953222870826721]),
        UnaryCase(
            "Sigmoid", x,
            [0.11920291185379028, 0.3775407075881958, 0.5, 0.6224592924118042, 0.8807970881462097]),
        UnaryCase(
            "Softplus", x,
            [
                0.12692800164222717, 0.4740769863128662, 0.6931471824645996, 0.9740769863128662,
                2.1269280910491943,
            ]),
        UnaryCase(
            "Softsign", x,
            [-0.6666666865348816, -0.3333333432674408, 0.0, 0.3333333432674408, 0.6666666865348816]),
        UnaryCase(
            "HardSwish", x,
            [-0.3333333134651184, -0.2083333283662796, 0.0, 0.2916666567325592, 1.6666667461395264]),
        UnaryCase(
            "Mish", x,
            [-0.2525014579296112, -0.22074377536773682, 0.0, 0.37524524331092834, 1.9439589977264404]),
        UnaryCase("LeakyRelu", x, [-0.019999999552965164, -0.004999999888241291, 0.0, 0.5, 2.0]),
        UnaryCase(
            "LeakyRelu", x, [-0.4000000059604645, -0.10000000149011612, 0.0, 0.5, 2.0], ["alpha": .float(0.2)]
        ),
        UnaryCase("ThresholdedRelu", x, [0.0, 0.0, 0.0, 0.0, 2.0]),
        UnaryCase("ThresholdedRelu", x, [0.0, 0.0, 0.0, 0.5, 2.0], ["alpha": .float(0.4)]),
        UnaryCase("Elu", x, [-0.8646647334098816, -0.39346933364868164, 0.0, 0.5, 2.0]),
        UnaryCase(
            "Elu", x, [-0.4323323667049408, -0.19673466682434082, 0.0, 0.5, 2.0], ["alpha": .float(0.5)]),
        UnaryCase("Celu", x, [-0.8646647334098816, -0.39346933364868164, 0.0, 0.5, 2.0]),
        UnaryCase(
            "Celu", x, [-1.264241099357605, -0.44239842891693115, 0.0, 0.5, 2.0], ["alpha": .float(2.0)]),
        UnaryCase(
            "Selu", x,
            [-1.5201665163040161, -0.6917581558227539, 0.0, 0.5253505110740662, 2.1014020442962646]),
        UnaryCase(
            "HardSigmoid", x,
            [0.09999999403953552, 0.4000000059604645, 0.5, 0.6000000238418579, 0.8999999761581421]),
        UnaryCase(
            "HardSigmoid", x, [0.0, 0.0, 0.25, 0.5, 1.0], ["alpha": .float(0.5), "beta": .float(0.25)]),
        UnaryCase(
            "Gelu", x,
            [-0.04550027847290039, -0.1542687714099884, 0.0, 0.3457312285900116, 1.9544997215270996]),
        UnaryCase(
            "Gelu", x,
            [-0.045402348041534424, -0.1542859971523285, 0.0, 0.3457140028476715, 1.9545977115631104],
            ["approximate": .string("tanh")]),
        UnaryCase("Relu", x, [0.0, 0.0, 0.0, 0.5, 2.0]),
        UnaryCase("Neg", x, [2.0, 0.5, -0.0, -0.5, -2.0]),
        UnaryCase("Abs", x, [2.0, 0.5, 0.0, 0.5, 2.0]),
        UnaryCase("Sign", x, [-1.0, -1.0, 0.0, 1.0, 1.0]),
    ]

    @Test(arguments: cases)
    func float32MatchesOnnxruntime(_ c: UnaryCase) throws {
        let out = try runOp(c.op, [Tensor(c.input)], attributes: c.attributes, opset: 20)[0]
        #expect(out.shape == [5])
        for (got, want) in zip(out.scalars(as: Float.self), c.expected) {
            #expect(got == want || abs(got - want) <= 1e-6 + 2e-6 * abs(want), "got \(got), expected \(want)")
        }
    }

    @Test(arguments: ["Exp", "Tanh", "Sigmoid", "Erf", "Gelu", "Sqrt"])
    func float64AgreesWithFloat32(_ op: String) throws {
        let values: [Double] = [0.25, 0.5, 1, 2, 3]
        let out64 = try runOp(op, [Tensor(values)], opset: 20)[0]
        let out32 = try runOp(op, [Tensor(values.map { Float($0) })], opset: 20)[0]
        #expect(out64.dtype == .float64)
        for (d, f) in zip(out64.scalars(as: Double.self), out32.scalars(as: Float.self)) {
            #expect(abs(d - Double(f)) <= 1e-6 * max(1, abs(d)))
        }
    }

    @Test func halfPrecisionComputesInFloatAndRoundsOnce() throws {
        let h: [Float16] = [0.1, -1.5, 3, 60000]
        let out = try runOp("Exp", [Tensor(h)])[0]
        #expect(out.dtype == .float16)
        #expect(out.scalars(as: Float16.self) == h.map { Float16(expf(Float($0))) })
        #expect(out.scalars(as: Float16.self)[3] == .infinity)

        let b = [BFloat16(0.1), BFloat16(-2), BFloat16(5)]
        let sig = try runOp("Sigmoid", [Tensor(b)])[0]
        #expect(sig.dtype == .bfloat16)
        let expected = b.map { BFloat16(1 / (1 + expf(-$0.floatValue))) }
        #expect(sig.scalars(as: BFloat16.self) == expected)
    }

    @Test func roundHalvesToEvenFloorCeil() throws {
        let v: [Float] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, -0.7]
        expectClose(
            try runOp("Round", [Tensor(v)])[0], [-2, -2, -0, 0, 2, 2, 0, -1], shape: [8], atol: 0, rtol: 0)
        expectClose(
            try runOp("Floor", [Tensor(v)])[0], [-3, -2, -1, 0, 1, 2, 0, -1], shape: [8], atol: 0, rtol: 0)
        expectClose(
            try runOp("Ceil", [Tensor(v)])[0], [-2, -1, -0, 1, 2, 3, 1, -0], shape: [8], atol: 0, rtol: 0)
    }

    @Test func integerNegAbsSignRelu() throws {
        let v: [Int32] = [.min, -7, 0, 5, .max]
        #expect(try runOp("Neg", [Tensor(v)])[0].scalars(as: Int32.self) == [.min, 7, 0, -5, -.max])
        #expect(try runOp("Abs", [Tensor(v)])[0].scalars(as: Int32.self) == [.min, 7, 0, 5, .max])
        #expect(try runOp("Sign", [Tensor(v)])[0].scalars(as: Int32.self) == [-1, -1, 0, 1, 1])
        #expect(try runOp("Relu", [Tensor(v)])[0].scalars(as: Int32.self) == [0, 0, 0, 5, .max])
        let u: [UInt8] = [0, 3, 255]
        #expect(try runOp("Abs", [Tensor(u)])[0].scalars(as: UInt8.self) == [0, 3, 255])
        #expect(try runOp("Sign", [Tensor(u)])[0].scalars(as: UInt8.self) == [0, 1, 1])
    }

    @Test func nanPassesThroughActivations() throws {
        for op in ["Relu", "Sigmoid", "Tanh", "Exp", "Gelu", "Sign", "Softplus", "Elu", "Abs", "Neg"] {
            let out = try runOp(op, [Tensor([Float.nan])], opset: 20)[0]
            #expect(out.scalars(as: Float.self)[0].isNaN, "\(op)")
        }
    }

    @Test func extremeInputsStayFinite() throws {
        let big: [Float] = [-1000, 1000]
        expectClose(try runOp("Sigmoid", [Tensor(big)])[0], [0, 1], shape: [2])
        expectClose(try runOp("Softplus", [Tensor(big)])[0], [0, 1000], shape: [2])
        expectClose(try runOp("Mish", [Tensor(big)])[0], [-0, 1000], shape: [2])
    }

    @Test func isNaNAndIsInf() throws {
        let v: [Float] = [.nan, .infinity, -.infinity, 0, -3]
        #expect(
            try runOp("IsNaN", [Tensor(v)])[0].scalars(as: Bool.self) == [true, false, false, false, false])
        #expect(
            try runOp("IsInf", [Tensor(v)])[0].scalars(as: Bool.self) == [false, true, true, false, false])
        let positiveOnly = try runOp("IsInf", [Tensor(v)], attributes: ["detect_negative": .int(0)])[0]
        #expect(positiveOnly.scalars(as: Bool.self) == [false, true, false, false, false])
        let negativeOnly = try runOp("IsInf", [Tensor(v)], attributes: ["detect_positive": .int(0)])[0]
        #expect(negativeOnly.scalars(as: Bool.self) == [false, false, true, false, false])
    }

    @Test func notNegatesBools() throws {
        let out = try runOp("Not", [Tensor(shape: [2, 2], scalars: [true, false, false, true])])[0]
        #expect(out.shape == [2, 2])
        #expect(out.scalars(as: Bool.self) == [false, true, true, false])
    }

    @Test func shapeIsKeptAndInputUntouched() throws {
        let input = Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
        let out = try runOp("Neg", [input])[0]
        #expect(out.shape == [2, 1, 3])
        #expect(input.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
        let empty = try runOp("Exp", [Tensor(zeros: .float32, shape: [0, 4])])[0]
        #expect(empty.shape == [0, 4])
    }

    @Test(arguments: [
        ("Exp", DType.int32), ("Sqrt", .int64), ("Neg", .uint8), ("Relu", .bool), ("Not", .float32),
        ("IsNaN", .int32),
    ])
    func unsupportedDTypeNamesOpAndDType(_ op: String, _ dtype: DType) throws {
        let input = try Tensor(zeros: dtype, shape: [2])
        let error = #expect(throws: OpError.self) { try runOp(op, [input]) }
        #expect(error?.message.contains(op) == true)
        #expect(error?.message.contains(dtype.name) == true)
    }

    @Test func geluRejectsUnknownApproximation() {
        #expect(throws: OpError.self) {
            try runOp("Gelu", [Tensor([Float(1)])], attributes: ["approximate": .string("fast")], opset: 20)
        }
        #expect(throws: (any Error).self) { try runOp("Gelu", [Tensor([Float(1)])], opset: 18) }
    }

    // MARK: - Clip

    @Test func clipOpset6TakesAttributes() throws {
        let v = Tensor([-5, -1, 0, 2, 9, .nan] as [Float])
        let out = try runOp("Clip", [v], attributes: ["min": .float(-1), "max": .float(3)], opset: 6)[0]
        expectClose(out, [-1, -1, 0, 2, 3, .nan], shape: [6])
        // Absent bounds default to ∓FLT_MAX, which clamps infinities.
        let wide = try runOp("Clip", [Tensor([-Float.infinity, 1, .infinity])], opset: 6)[0]
        #expect(wide.scalars(as: Float.self) == [-.greatestFiniteMagnitude, 1, .greatestFiniteMagnitude])
    }

    @Test func clipOpset11TakesOptionalInputs() throws {
        let v = Tensor([-5, -1, 0, 2, 9] as [Float])
        let lo = Tensor(scalar: Float(-1))
        let hi = Tensor(scalar: Float(3))
        expectClose(try runOp("Clip", [v, lo, hi], opset: 11)[0], [-1, -1, 0, 2, 3], shape: [5])
        expectClose(try runOp("Clip", [v, lo], opset: 13)[0], [-1, -1, 0, 2, 9], shape: [5])
        expectClose(try runOp("Clip", [v, nil, hi], opset: 13)[0], [-5, -1, 0, 2, 3], shape: [5])
        expectClose(try runOp("Clip", [v], opset: 13)[0], [-5, -1, 0, 2, 9], shape: [5])
        // min > max: every element becomes max.
        expectClose(try runOp("Clip", [v, hi, lo], opset: 13)[0], [-1, -1, -1, -1, -1], shape: [5])
        // Attributes are ignored from opset 11 on.
        expectClose(
            try runOp("Clip", [v], attributes: ["min": .float(0)], opset: 11)[0], [-5, -1, 0, 2, 9],
            shape: [5])
    }

    @Test func clipIntegersAndHalves() throws {
        let v = Tensor([-300, -3, 0, 7, 1000] as [Int64])
        let out = try runOp("Clip", [v, Tensor(scalar: Int64(-3)), Tensor(scalar: Int64(100))], opset: 13)[0]
        #expect(out.scalars(as: Int64.self) == [-3, -3, 0, 7, 100])
        let u = try runOp(
            "Clip", [Tensor([0, 200] as [UInt8]), nil, Tensor(scalar: UInt8(128))], opset: 13)[0]
        #expect(u.scalars(as: UInt8.self) == [0, 128])
        let h = try runOp(
            "Clip", [Tensor([Float16(-2), 0.5, 6]), Tensor(scalar: Float16(0)), Tensor(scalar: Float16(6))],
            opset: 13)[0]
        #expect(h.scalars(as: Float16.self) == [0, 0.5, 6])
        // Relu6 exported at opset 6 on an integer tensor: bounds converted to the dtype.
        let legacy = try runOp(
            "Clip", [Tensor([-2, 3, 9] as [Int32])], attributes: ["min": .float(0), "max": .float(6)],
            opset: 6)[0]
        #expect(legacy.scalars(as: Int32.self) == [0, 3, 6])
    }

    @Test func clipRejectsBadBounds() {
        let v = Tensor([Float(1), 2])
        let shape = #expect(throws: OpError.self) {
            try runOp("Clip", [v, Tensor([Float(0), 1])], opset: 13)
        }
        #expect(shape?.message.contains("min") == true)
        let dtype = #expect(throws: OpError.self) {
            try runOp("Clip", [v, nil, Tensor(scalar: Double(1))], opset: 13)
        }
        #expect(dtype?.message.contains("float64") == true)
        #expect(throws: OpError.self) { try runOp("Clip", [Tensor([true])], opset: 13) }
    }

    @Test func opsAbsentBeforeTheirFirstOpset() {
        for (op, opset) in [
            ("GreaterOrEqual", 11), ("Mish", 17), ("HardSwish", 13), ("CastLike", 14), ("Where", 8),
        ] {
            #expect(OpRegistry.standard.factory(opType: op, domain: "", opset: opset) == nil, "\(op)")
            #expect(OpRegistry.standard.factory(opType: op, domain: "", opset: opset + 1) != nil, "\(op)")
        }
    }
}
