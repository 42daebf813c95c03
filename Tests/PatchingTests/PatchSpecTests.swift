import Testing
@testable import Patching

@Suite struct PatchSpecTests {
    @Test func parsesEveryKind() throws {
        let zero = try PatchSpec.parse("node_Gemm_12[:, -1, 3681]=zero")
        #expect(zero.target == "node_Gemm_12")
        #expect(zero.index.items == [.slice(start: nil, stop: nil, step: nil), .index(-1), .index(3681)])
        #expect(zero.kind == .zero)
        #expect(try PatchSpec.parse("/h.0/attn/Softmax=mul:0.5").kind == .mul(.number(0.5)))
        #expect(try PatchSpec.parse("x=add:-1e-3").kind == .add(.number(-0.001)))
        #expect(try PatchSpec.parse("x[...,2:]=replace:@clean.npy").kind == .replace(.file("clean.npy")))
        #expect(try PatchSpec.parse("h.*/mlp/*=probe").kind == .probe)
        #expect(try PatchSpec.parse("node:1=zero").target == "node:1")
    }

    @Test(arguments: [
        ("x", "no '='"), ("=zero", "empty target"), ("x=add", "needs an argument"), ("x=add:abc", "not a number"),
        ("x=zero:1", "takes no argument"), ("x]=zero", "']' without '['"), ("x[]=zero", "empty index"),
        ("x[1:2:3:4]=zero", "more than two ':'"), ("x[::0]=zero", "step cannot be zero"), ("x[a]=zero", "'a' is not"),
        ("x[...,...]=zero", "more than one '...'"), ("x=replace:@", "'@' without"),
        ("x[0]=probe", "a probe records the whole value"),
    ])
    func refusesMalformedSpecs(text: String, expected: String) {
        #expect { try PatchSpec.parse(text) } throws: { "\($0)".contains(expected) }
    }

    @Test func refusesUnknownKinds() {
        #expect(throws: PatchError.unknownKind(spec: "x=double", kind: "double")) { try PatchSpec.parse("x=double") }
    }
}

@Suite struct IndexTests {
    func region(_ index: String, _ shape: [Int]) throws -> Region {
        try IndexExpression.parse(index).region(in: shape)
    }

    @Test func integersDropAxesAndSlicesKeepThem() throws {
        let r = try region(":, -1, 3", [2, 5, 7])
        #expect(r.shape == [2])
        #expect(r.axes[1] == .init(start: 4, step: 1, count: 1, kept: false))
        #expect(try region("...", [2, 3]).isWhole(of: [2, 3]))
        #expect(try region("..., 1", [2, 3, 4]).shape == [2, 3])
        #expect(try region("1", [2, 3, 4]).shape == [3, 4])
    }

    /// Expected counts from Python: len(range(10)[s]).
    @Test(arguments: [
        ("2:8:3", 2, 2), ("::-1", 9, 10), ("-3:", 7, 3), (":100", 0, 10), ("8:2:-2", 8, 3), ("5:5", 0, 0),
        ("-100:3", 0, 3), ("::-3", 9, 4), ("3:-100:-1", 3, 4),
    ])
    func slicesClampLikePython(slice: String, start: Int, count: Int) throws {
        let axis = try region(slice, [10]).axes[0]
        #expect(axis.count == count)
        if count > 0 { #expect(axis.start == start) }
    }

    @Test func outOfRangeNamesTheShape() {
        #expect { try region("5", [2, 5]) } throws: { "\($0)" == "index [5] does not fit shape [2, 5]: index 5 is out of range for axis 0 of size 2" }
        #expect { try region("0, 0, 0", [2, 5]) } throws: { "\($0)".contains("3 indices for a tensor of rank 2") }
        #expect { try region(":, -6", [2, 5]) } throws: { "\($0)".contains("index -6 is out of range for axis 1") }
    }
}
