import GraphIR
import Interpreter
import TensorCore
import Testing

/// Softmax and LogSoftmax in both opset generations, against numpy.
@Suite struct SoftmaxTests {
    private let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 5] as [Float])
    /// arange(8).reshape(2,2,2) / 4
    private let cube = Tensor(shape: [2, 2, 2], scalars: (0..<8).map { Float($0) / 4 })

    @Test func lastAxisByDefault() throws {
        expectClose(try runOp("Softmax", [x], opset: 13)[0],
                    [0.0900305732, 0.244728471, 0.665240956, 0.0024561149, 0.00667641251, 0.990867473], shape: [2, 3])
        expectClose(try runOp("LogSoftmax", [x], opset: 13)[0],
                    [-2.40760596, -1.40760596, -0.407605964, -6.00917448, -5.00917448, -0.00917448459], shape: [2, 3])
    }

    @Test func leadingAxis() throws {
        expectClose(try runOp("Softmax", [x], attributes: ["axis": .int(0)], opset: 13)[0],
                    [0.880797078, 0.880797078, 0.119202922, 0.119202922, 0.119202922, 0.880797078], shape: [2, 3])
    }

    @Test func opsetsDisagreeOnAxisOne() throws {
        // Opset 13: along axis 1 only. Opset 11: the input coerced to (2, 4), rows normalized.
        expectClose(try runOp("Softmax", [cube], attributes: ["axis": .int(1)], opset: 13)[0],
                    [0.377540669, 0.377540669, 0.622459331, 0.622459331, 0.377540669, 0.377540669, 0.622459331, 0.622459331],
                    shape: [2, 2, 2])
        let legacy: [Float] = [0.165296177, 0.212244492, 0.272527322, 0.349932009, 0.165296177, 0.212244492, 0.272527322, 0.349932009]
        expectClose(try runOp("Softmax", [cube], attributes: ["axis": .int(1)], opset: 11)[0], legacy, shape: [2, 2, 2])
        // Axis 1 is also the opset-1…12 default.
        expectClose(try runOp("Softmax", [cube], opset: 11)[0], legacy, shape: [2, 2, 2])
        expectClose(try runOp("LogSoftmax", [cube], opset: 11)[0],
                    [-1.8000164, -1.5500164, -1.3000164, -1.0500164, -1.8000164, -1.5500164, -1.3000164, -1.0500164],
                    shape: [2, 2, 2])
        expectClose(try runOp("Softmax", [cube], attributes: ["axis": .int(0)], opset: 11)[0],
                    [0.0444549887, 0.0570813354, 0.0732938855, 0.0941112118, 0.120841188, 0.155163157, 0.199233437, 0.255820797],
                    shape: [2, 2, 2])
    }

    @Test func otherFloatTypes() throws {
        let x64 = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 5] as [Double])
        let y64 = try runOp("Softmax", [x64], opset: 13)[0].scalars(as: Double.self)
        let expected = [0.0900305732, 0.244728471, 0.665240956, 0.0024561149, 0.00667641251, 0.990867473]
        for (got, want) in zip(y64, expected) { #expect(abs(got - want) < 1e-9) }

        let x16 = Tensor(shape: [3], scalars: [1, 2, 3].map { Float16($0) })
        let y16 = try runOp("LogSoftmax", [x16], opset: 13)[0]
        #expect(y16.dtype == .float16)
        for (got, want) in zip(y16.scalars(as: Float16.self), [-2.40760596, -1.40760596, -0.407605964]) {
            #expect(abs(Double(got) - want) < 2e-3)
        }
    }

    @Test func emptyInputStaysEmpty() throws {
        let y = try runOp("Softmax", [Tensor(shape: [0, 3], scalars: [] as [Float])], opset: 13)[0]
        #expect(y.shape == [0, 3])
    }

    @Test func axisOutOfRange() throws {
        let error = #expect(throws: OpError.self) {
            try runOp("Softmax", [x], attributes: ["axis": .int(2)], opset: 13)
        }
        #expect(error?.message == "Softmax: axis 2 is out of range for input of shape [2,3]")
        #expect(throws: OpError.self) { try runOp("LogSoftmax", [x], attributes: ["axis": .int(-3)], opset: 13) }
        #expect(throws: OpError.self) { try runOp("Softmax", [Tensor(shape: [3], scalars: [1, 2, 3] as [Int32])], opset: 13) }
    }
}
