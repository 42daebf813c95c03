import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("Transpose")
struct TransposeTests {
    @Test("default perm reverses the axes")
    func defaultPerm() throws {
        let out = try runOp("Transpose", [D.iota64([2, 3, 4])])[0]
        #expect(out.shape == [4, 3, 2])
        // out[k][j][i] = 12i + 4j + k
        #expect(
            try D.ints(out) == [
                0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23,
            ])
    }

    @Test("attention head split: perm [0,2,1,3] on (B,S,H,D)")
    func headSplit() throws {
        let out = try runOp("Transpose", [D.iota([2, 3, 2, 4])], attributes: ["perm": .ints([0, 2, 1, 3])])[0]
        #expect(out.shape == [2, 2, 3, 4])
        // Rows of D = 4 move whole: out[b][h][s] = row (b, s, h) of the input.
        var expected: [Float] = []
        for b in 0..<2 {
            for h in 0..<2 {
                for s in 0..<3 {
                    let row = (b * 3 + s) * 2 + h
                    expected += (0..<4).map { Float(row * 4 + $0) }
                }
            }
        }
        #expect(out.scalars(as: Float.self) == expected)
    }

    @Test("large 2-D transpose (tiled path) matches the definition")
    func large2D() throws {
        let (rows, columns) = (67, 45)
        let out = try runOp("Transpose", [D.iota([rows, columns])])[0]
        #expect(out.shape == [columns, rows])
        let values = out.scalars(as: Float.self)
        var mismatches = 0
        for c in 0..<columns {
            for r in 0..<rows where values[c * rows + r] != Float(r * columns + c) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("a head split of more than 256 KB (split over the threads) matches the definition")
    func largeHeadSplit() throws {
        let (b, s, h, d) = (2, 70, 12, 64)
        let out = try runOp("Transpose", [D.iota([b, s, h, d])], attributes: ["perm": .ints([0, 2, 1, 3])])[0]
        #expect(out.shape == [b, h, s, d])
        let values = out.scalars(as: Float.self)
        var mismatches = 0
        for bi in 0..<b {
            for hi in 0..<h {
                for si in 0..<s {
                    for di in 0..<d where values[((bi * h + hi) * s + si) * d + di] != Float(((bi * s + si) * h + hi) * d + di) {
                        mismatches += 1
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("bool and int32 data, and a perm that only moves unit axes (no copy)")
    func otherDtypes() throws {
        let b = try runOp("Transpose", [D.bool([true, false, false, false, true, true], [2, 3])])[0]
        #expect(b.shape == [3, 2])
        #expect(b.scalars(as: Bool.self) == [true, false, false, true, false, true])
        let i = try runOp("Transpose", [D.int32([1, 2, 3, 4], [2, 2])])[0]
        #expect(i.scalars(as: Int32.self) == [1, 3, 2, 4])
        let x = D.iota([1, 3, 1, 4])
        let view = try runOp("Transpose", [x], attributes: ["perm": .ints([2, 1, 0, 3])])[0]
        #expect(view.shape == [1, 3, 1, 4] && view.storage === x.storage)
    }

    @Test("empty tensors transpose to empty tensors")
    func empty() throws {
        let out = try runOp("Transpose", [D.float([], [0, 3])])[0]
        #expect(out.shape == [3, 0] && out.count == 0)
    }

    @Test("a perm that is not a permutation of the axes is an error")
    func errors() {
        D.expectOpError("[0, 0]", "[2, 3]") {
            _ = try runOp("Transpose", [D.iota([2, 3])], attributes: ["perm": .ints([0, 0])])
        }
        D.expectOpError("rank 2") {
            _ = try runOp("Transpose", [D.iota([2, 3])], attributes: ["perm": .ints([0, 1, 2])])
        }
    }
}
