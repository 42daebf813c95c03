import GraphIR
import Interpreter
import TensorCore
import Testing

/// LayerNormalization (opset 17) and RMSNormalization (opset 23) against numpy.
@Suite struct LayerNormalizationTests {
    private let x = Tensor(shape: [2, 3], scalars: [1, 2, 4, 3, 3, 9] as [Float])
    private let scale = Tensor([1, 2, 0.5] as [Float])
    private let bias = Tensor([0, 1, -1] as [Float])
    /// arange(12).reshape(2,2,3) ** 1.5
    private let x3 = Tensor(shape: [2, 2, 3], scalars: (0..<12).map { Float(Double($0) * Double($0).squareRoot()) })

    @Test func withBias() throws {
        expectClose(try runOp("LayerNormalization", [x, scale, bias], opset: 17)[0],
                    [-1.06904153, 0.465479234, -0.331849043, -0.707106339, -0.414212678, -0.292893661], shape: [2, 3])
    }

    @Test func withoutBias() throws {
        expectClose(try runOp("LayerNormalization", [x, scale], opset: 17)[0],
                    [-1.06904153, -0.534520766, 0.668150957, -0.707106339, -1.41421268, 0.707106339], shape: [2, 3])
    }

    @Test func meanAndInvStdDevWhenTheNodeHasThreeOutputs() throws {
        let outputs = try runOp("LayerNormalization", [x, scale, bias], opset: 17, outputs: 3)
        #expect(outputs.count == 3)
        expectClose(outputs[1], [2.33333333, 5], shape: [2, 1])
        expectClose(outputs[2], [0.801781149, 0.35355317], shape: [2, 1])
        // One output declared: only Y.
        #expect(try runOp("LayerNormalization", [x, scale, bias], opset: 17).count == 1)
    }

    @Test func axisMinusTwoNormalizesTheLastTwoAxes() throws {
        let scale = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0.5, 2] as [Float])
        let outputs = try runOp("LayerNormalization", [x3, scale], attributes: ["axis": .int(-2)], opset: 17, outputs: 3)
        expectClose(outputs[0], [-1.1977903, -1.88597151, -1.4312826, -0.126212979, 0.42032305, 3.30202235,
                                 -1.40354293, -1.78118591, -1.01868725, -0.247078487, 0.433643116, 3.03866716],
                    shape: [2, 2, 3])
        expectClose(outputs[1], [4.70081991, 25.1583773], shape: [2, 1, 1])
        expectClose(outputs[2], [0.254804551, 0.134163469], shape: [2, 1, 1])
    }

    @Test func scaleAndBiasBroadcastOverTheNormalizedShape() throws {
        // Normalized shape (2, 3); scale (3) and bias (3) repeat over its first axis.
        let y = try runOp("LayerNormalization", [x3, Tensor([1, 2, 3] as [Float]), Tensor([0.5, 0, 0] as [Float])],
                          attributes: ["axis": .int(1)], opset: 17)[0]
        expectClose(y, [-0.697790303, -1.88597151, -1.4312826, 0.626212979, 1.6812922, 4.95303353,
                        -0.903542927, -1.78118591, -1.01868725, 0.747078487, 1.73457246, 4.55800075], shape: [2, 2, 3])
    }

    @Test func otherFloatTypes() throws {
        let x64 = Tensor(shape: [2, 3], scalars: [1, 2, 4, 3, 3, 9] as [Double])
        let outputs = try runOp("LayerNormalization", [x64, Tensor([1, 2, 0.5] as [Double])], opset: 17, outputs: 2)
        let expected = [-1.06904153, -0.534520766, 0.668150957, -0.707106339, -1.41421268, 0.707106339]
        for (got, want) in zip(outputs[0].scalars(as: Double.self), expected) { #expect(abs(got - want) < 1e-7) }
        // Mean has the stash type, float32.
        expectClose(outputs[1], [2.33333333, 5], shape: [2, 1])

        let x16 = Tensor(shape: [2, 3], scalars: [1, 2, 4, 3, 3, 9].map { Float16($0) })
        let y16 = try runOp("LayerNormalization", [x16, Tensor([1, 2, 0.5].map { Float16($0) })], opset: 17)[0]
        #expect(y16.dtype == .float16)
        for (got, want) in zip(y16.scalars(as: Float16.self), expected) { #expect(abs(Double(got) - want) < 2e-3) }
    }

    @Test func rmsNormalization() throws {
        expectClose(try runOp("RMSNormalization", [x, scale], opset: 23)[0],
                    [0.377964203, 1.51185681, 0.755928406, 0.522232889, 1.04446578, 0.783349333], shape: [2, 3])
    }

    @Test func errors() throws {
        let axis = #expect(throws: OpError.self) {
            try runOp("LayerNormalization", [x, scale], attributes: ["axis": .int(2)], opset: 17)
        }
        #expect(axis?.message == "LayerNormalization: axis 2 is out of range for X of shape [2,3]")
        let badScale = #expect(throws: OpError.self) {
            try runOp("LayerNormalization", [x, Tensor([1, 2] as [Float])], opset: 17)
        }
        #expect(badScale?.message == "LayerNormalization: Scale of shape [2] does not broadcast to [3]")
        #expect(throws: OpError.self) { try runOp("LayerNormalization", [x], opset: 17) }
        #expect(throws: OpError.self) {
            try runOp("LayerNormalization", [x, scale], attributes: ["stash_type": .int(11)], opset: 17)
        }
    }
}
