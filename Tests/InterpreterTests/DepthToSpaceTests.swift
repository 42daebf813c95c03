import GraphIR
import Interpreter
import TensorCore
import Testing

private typealias D = ShapeTestData

@Suite("DepthToSpace and SpaceToDepth")
struct DepthToSpaceTests {
    @Test("DCR (default) on (1, 8, 2, 3), blocksize 2")
    func dcr() throws {
        let out = try runOp("DepthToSpace", [D.iota64([1, 8, 2, 3])], attributes: ["blocksize": .int(2)])[0]
        #expect(out.shape == [1, 2, 4, 6])
        #expect(
            try D.ints(out) == [
                0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38, 3, 15, 4, 16, 5, 17, 27, 39, 28, 40, 29, 41,
                6, 18, 7, 19, 8, 20, 30, 42, 31, 43, 32, 44, 9, 21, 10, 22, 11, 23, 33, 45, 34, 46, 35, 47,
            ])
    }

    @Test("CRD on (1, 8, 2, 3), blocksize 2")
    func crd() throws {
        let out = try runOp(
            "DepthToSpace", [D.iota64([1, 8, 2, 3])],
            attributes: ["blocksize": .int(2), "mode": .string("CRD")])[0]
        #expect(
            try D.ints(out) == [
                0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20, 3, 9, 4, 10, 5, 11, 15, 21, 16, 22, 17, 23,
                24, 30, 25, 31, 26, 32, 36, 42, 37, 43, 38, 44, 27, 33, 28, 34, 29, 35, 39, 45, 40, 46, 41,
                47,
            ])
    }

    @Test("SpaceToDepth on (1, 1, 4, 4), and DepthToSpace undoes it")
    func spaceToDepth() throws {
        let x = D.iota64([1, 1, 4, 4])
        let out = try runOp("SpaceToDepth", [x], attributes: ["blocksize": .int(2)])[0]
        #expect(out.shape == [1, 4, 2, 2])
        #expect(try D.ints(out) == [0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15])
        let back = try runOp("DepthToSpace", [out], attributes: ["blocksize": .int(2)])[0]
        #expect(try D.ints(back) == Array(0..<16))
    }

    @Test("channels or spatial dims not divisible by the block are errors")
    func errors() {
        D.expectOpError("blocksize² = 4", "[1, 6, 2, 2]") {
            _ = try runOp("DepthToSpace", [D.iota([1, 6, 2, 2])], attributes: ["blocksize": .int(2)])
        }
        D.expectOpError("[1, 1, 3, 4]") {
            _ = try runOp("SpaceToDepth", [D.iota([1, 1, 3, 4])], attributes: ["blocksize": .int(2)])
        }
    }
}
