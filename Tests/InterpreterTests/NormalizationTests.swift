import GraphIR
import Interpreter
import TensorCore
import Testing

/// GroupNormalization, InstanceNormalization and BatchNormalization (inference) against numpy.
@Suite struct NormalizationTests {
    /// N = 1, C = 4, two spatial positions.
    private let x = Tensor(shape: [1, 4, 2], scalars: [1, 2, 3, 5, 0, 4, 8, -2] as [Float])
    private let scale = Tensor([1, 2, 3, 4] as [Float])
    private let bias = Tensor([0, 0.5, 1, -1] as [Float])

    @Test func groupNormalizationPerChannelParameters() throws {
        let y = try runOp("GroupNormalization", [x, scale, bias], attributes: ["num_groups": .int(2)], opset: 21)[0]
        expectClose(y, [-1.18321325, -0.507091394, 0.838060929, 3.54254836, -0.952833003, 2.1716998, 4.72831014, -5.68679921],
                    shape: [1, 4, 2])
    }

    @Test func groupNormalizationPerGroupParametersBeforeOpset21() throws {
        let y = try runOp("GroupNormalization", [x, Tensor([2, -1] as [Float]), Tensor([0.5, 1] as [Float])],
                          attributes: ["num_groups": .int(2)], opset: 18)[0]
        expectClose(y, [-1.8664265, -0.514182788, 0.838060929, 3.54254836, 1.65094433, 0.609433399, -0.432077535, 2.1716998],
                    shape: [1, 4, 2])
    }

    @Test func instanceNormalization() throws {
        let y = try runOp("InstanceNormalization", [x, scale, bias])[0]
        expectClose(y, [-0.999980001, 0.999980001, -1.49999, 2.49999, -1.99999625, 3.99999625, 2.9999992, -4.9999992],
                    shape: [1, 4, 2])
    }

    @Test func batchNormalizationInference() throws {
        let mean = Tensor([1, 0, 2, -1] as [Float]), variance = Tensor([4, 1, 0.25, 9] as [Float])
        let y = try runOp("BatchNormalization", [x, scale, bias, mean, variance], opset: 15)[0]
        expectClose(y, [0, 0.499999375, 6.49997, 10.49995, -10.99976, 12.99976, 10.9999933, -2.33333259], shape: [1, 4, 2])
    }

    @Test func batchNormalizationTraining() throws {
        let mean = Tensor([1, 0, 2, -1] as [Float]), variance = Tensor([4, 1, 0.25, 9] as [Float])
        let out = try runOp("BatchNormalization", [x, scale, bias, mean, variance],
                            attributes: ["training_mode": .int(1)], opset: 15, outputs: 3)
        // numpy: batch statistics over axes (0, 2); running = input · 0.9 + batch · 0.1.
        expectClose(out[0], [-0.99998, 0.99998, -1.49999, 2.49999, -1.9999964, 3.9999964, 2.9999993, -4.999999],
                    shape: [1, 4, 2])
        expectClose(out[1], [1.05, 0.4, 2, -0.6], shape: [4])
        expectClose(out[2], [3.625, 1, 0.625, 10.6], shape: [4])
        #expect(throws: OpError.self) {
            try runOp("BatchNormalization", [x, scale, bias, mean, variance], attributes: ["training_mode": .int(1)], opset: 9)
        }
    }

    @Test func parameterCountsAreChecked() throws {
        let groups = #expect(throws: OpError.self) {
            try runOp("GroupNormalization", [x, scale, bias], attributes: ["num_groups": .int(3)], opset: 21)
        }
        #expect(groups?.message == "GroupNormalization: 4 channels do not split into 3 groups")
        #expect(throws: OpError.self) {
            try runOp("GroupNormalization", [x, scale, bias], attributes: ["num_groups": .int(2)], opset: 18)
        }
        #expect(throws: OpError.self) { try runOp("InstanceNormalization", [x, Tensor([1, 2] as [Float]), bias]) }
        #expect(throws: OpError.self) {
            try runOp("BatchNormalization", [x, scale, bias, scale, Tensor([1] as [Float])], opset: 15)
        }
    }
}
