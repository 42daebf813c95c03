import GraphIR
import TensorCore
import Testing

@testable import Interpreter

@Suite("Elementwise broadcasting")
struct ElementwiseBroadcastTests {
    /// Shape sets covering every path of the layout: same shape, scalar operands, trailing row,
    /// trailing column, 1s on both sides, rank mismatch, empty and all-ones outputs, three operands.
    static let shapeSets: [[[Int]]] = [
        [[2, 3], [2, 3]],
        [[], [2, 3]],
        [[2, 3], []],
        [[1], [4]],
        [[2, 3, 4], [4]],
        [[2, 3, 4], [3, 4]],
        [[2, 3, 4], [2, 3, 1]],
        [[2, 3, 4], [2, 1, 4]],
        [[2, 1, 4], [1, 3, 1]],
        [[1, 3, 1], [2, 1, 4]],
        [[5, 1, 3], [4, 1]],
        [[3, 1], [1, 1, 2]],
        [[0, 3], [3]],
        [[1, 1], [1]],
        [[2, 1, 3], [1, 4, 1], [4, 3]],
        [[2, 3], [], [2, 3]],
        [[4, 1], [4, 5], [1]],
    ]

    /// Walks the layout the way the loops do and lists each output element's operand offsets.
    private func layoutOffsets(_ layout: BroadcastLayout, operands: Int) -> [[Int]] {
        var result: [[Int]] = []
        let (s0, s1, s2) = layout.rowStrides
        layout.forEachRow { o, a, b, c in
            #expect(o == result.count)
            for i in 0..<layout.rowLength {
                result.append(Array([a + i * s0, b + i * s1, c + i * s2].prefix(operands)))
            }
        }
        return result
    }

    @Test(arguments: shapeSets)
    func layoutVisitsTheSameElementsAsTheNaiveBroadcast(_ shapes: [[Int]]) throws {
        let layout = try BroadcastLayout("Test", shapes)
        #expect(layout.shape == (try Shape.broadcast(shapes)))
        #expect(layoutOffsets(layout, operands: shapes.count) == (try referenceBroadcastOffsets(shapes)))
    }

    @Test func commonCasesCollapseToContiguousRows() throws {
        let same = try BroadcastLayout("Test", [[4, 5, 6], [4, 5, 6]])
        #expect(same.rowLength == 120 && same.rowStrides == (1, 1, 0))
        let scalar = try BroadcastLayout("Test", [[4, 5, 6], [1]])
        #expect(scalar.rowLength == 120 && scalar.rowStrides == (1, 0, 0))
        let trailing = try BroadcastLayout("Test", [[4, 5, 6], [6]])
        #expect(trailing.rowLength == 6 && trailing.rowStrides == (1, 1, 0))
        let column = try BroadcastLayout("Test", [[4, 5, 6], [4, 5, 1]])
        #expect(column.rowLength == 6 && column.rowStrides == (1, 0, 0))
        let scalarFirst = try BroadcastLayout("Test", [[], [7, 3]])
        #expect(scalarFirst.rowLength == 21 && scalarFirst.rowStrides == (0, 1, 0))
    }

    @Test func binaryOpMatchesHandComputedValues() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
        // Trailing row.
        expectClose(
            try runOp("Add", [a, Tensor([10, 20, 30] as [Float])])[0],
            [11, 22, 33, 14, 25, 36], shape: [2, 3])
        // Column.
        expectClose(
            try runOp("Sub", [a, Tensor(shape: [2, 1], scalars: [1, 2] as [Float])])[0],
            [0, 1, 2, 2, 3, 4], shape: [2, 3])
        // Scalar on either side.
        expectClose(
            try runOp("Div", [a, Tensor(scalar: Float(2))])[0], [0.5, 1, 1.5, 2, 2.5, 3], shape: [2, 3])
        expectClose(
            try runOp("Div", [Tensor(scalar: Float(6)), a])[0], [6, 3, 2, 1.5, 1.2, 1], shape: [2, 3])
        // 1s on both sides, rank mismatch: [2, 1, 3] * [2, 1] → [2, 2, 3].
        let b = Tensor(shape: [2, 1], scalars: [1, -1] as [Float])
        expectClose(
            try runOp("Mul", [a.reshaped([2, 1, 3]), b])[0],
            [1, 2, 3, -1, -2, -3, 4, 5, 6, -4, -5, -6], shape: [2, 2, 3])
    }

    @Test func nonBroadcastableShapesNameBothShapes() throws {
        let a = try Tensor(zeros: .float32, shape: [2, 3])
        let b = try Tensor(zeros: .float32, shape: [4])
        let error = #expect(throws: OpError.self) { try runOp("Add", [a, b]) }
        #expect(error?.message.contains("[2, 3]") == true)
        #expect(error?.message.contains("[4]") == true)
        let whereError = #expect(throws: OpError.self) {
            try runOp("Where", [Tensor(zeros: .bool, shape: [3]), a, b])
        }
        #expect(whereError?.message.contains("[3], [2, 3] and [4]") == true)
    }

    @Test func inputsAreNotMutated() throws {
        let a = Tensor([1, 2, 3] as [Float])
        let b = Tensor([1, 1, 1] as [Float])
        _ = try runOp("Add", [a, b])
        #expect(a.scalars(as: Float.self) == [1, 2, 3])
        #expect(b.scalars(as: Float.self) == [1, 1, 1])
    }

    // MARK: - Opset < 7

    @Test func legacyBroadcastWithAxis() throws {
        let a = try Tensor(zeros: .float32, shape: [2, 3, 2])
        let b = Tensor([1, 2, 3] as [Float])
        let out = try runOp("Add", [a, b], attributes: ["broadcast": .int(1), "axis": .int(1)], opset: 6)[0]
        expectClose(out, [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3], shape: [2, 3, 2])
    }

    @Test func legacyBroadcastWithoutAxisMatchesTrailingAxes() throws {
        let a = try Tensor(zeros: .float32, shape: [2, 3])
        let out = try runOp(
            "Mul",
            [
                Tensor(shape: [2, 3], scalars: [1, 1, 1, 2, 2, 2] as [Float]),
                Tensor([1, 2, 3] as [Float]),
            ],
            attributes: ["broadcast": .int(1)], opset: 1)[0]
        expectClose(out, [1, 2, 3, 2, 4, 6], shape: [2, 3])
        #expect(throws: OpError.self) {
            try runOp("Add", [a, Tensor([1, 2, 3] as [Float])], opset: 6)  // broadcast = 0
        }
        #expect(throws: OpError.self) {
            // B = [3] placed at axis 0 of A = [2, 3] reads as [3, 1].
            try runOp(
                "Add", [a, Tensor([1, 2, 3] as [Float])],
                attributes: ["broadcast": .int(1), "axis": .int(0)], opset: 6)
        }
    }
}
