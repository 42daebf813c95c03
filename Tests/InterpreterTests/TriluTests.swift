import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Trilu")
struct TriluTests {
    private let x = D.int64(Array(1...12), [3, 4])

    @Test(
        "upper and lower with diagonal offsets",
        arguments: [
            (1, nil, [1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12]),
            (1, 1, [0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12]),
            (1, -1, [1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12]),
            (0, nil, [1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0]),
            (0, -1, [0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0]),
            (0, 2, [1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 11, 12]),
            (1, 100, [Int](repeating: 0, count: 12)),
            (0, -100, [Int](repeating: 0, count: 12)),
        ] as [(Int, Int?, [Int])])
    func offsets(upper: Int, k: Int?, expected: [Int]) throws {
        let out = try runOp(
            "Trilu", [x, k.map { Tensor(scalar: Int64($0)) }], attributes: ["upper": .int(upper)])[0]
        #expect(try D.ints(out) == expected)
    }

    @Test("batched float matrices and bool data; input untouched")
    func batched() throws {
        let input = D.iota([2, 2, 2])
        let out = try runOp("Trilu", [input], attributes: ["upper": .int(0)])[0]
        #expect(out.scalars(as: Float.self) == [0, 0, 2, 3, 4, 0, 6, 7])
        #expect(input.scalars(as: Float.self) == [0, 1, 2, 3, 4, 5, 6, 7])
        let b = try runOp("Trilu", [D.bool([true, true, true, true], [2, 2])])[0]
        #expect(b.scalars(as: Bool.self) == [true, true, false, true])
    }

    @Test("extreme k does not overflow, and rank < 2 is an error")
    func edges() throws {
        let out = try runOp("Trilu", [x, Tensor(scalar: Int64.max)], attributes: ["upper": .int(0)])[0]
        #expect(try D.ints(out) == Array(1...12))
        let none = try runOp("Trilu", [x, Tensor(scalar: Int64.min)], attributes: ["upper": .int(0)])[0]
        #expect(try D.ints(none) == [Int](repeating: 0, count: 12))
        D.expectOpError("rank ≥ 2", "[3]") { _ = try runOp("Trilu", [D.iota([3])]) }
    }
}
