import GraphIR
import TensorCore
import Testing

@testable import Interpreter

/// Small constructors and readers for the shape-op tests.
enum ShapeTestData {
    static func int64(_ values: [Int], _ shape: [Int]? = nil) -> Tensor {
        Tensor(shape: shape ?? [values.count], scalars: values.map { Int64($0) })
    }

    static func int32(_ values: [Int], _ shape: [Int]? = nil) -> Tensor {
        Tensor(shape: shape ?? [values.count], scalars: values.map { Int32($0) })
    }

    static func float(_ values: [Float], _ shape: [Int]? = nil) -> Tensor {
        Tensor(shape: shape ?? [values.count], scalars: values)
    }

    static func bool(_ values: [Bool], _ shape: [Int]? = nil) -> Tensor {
        Tensor(shape: shape ?? [values.count], scalars: values)
    }

    /// 0, 1, 2… as float32 in `shape`.
    static func iota(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { Float($0) })
    }

    /// 0, 1, 2… as int64 in `shape`.
    static func iota64(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { Int64($0) })
    }

    static func ints(_ tensor: Tensor) throws -> [Int] { try tensor.intValues() }

    /// Runs `body`, expecting an ``OpError`` whose message contains every one of `fragments`.
    static func expectOpError(
        _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected an OpError containing \(fragments)", sourceLocation: sourceLocation)
        } catch let error as OpError {
            for fragment in fragments {
                #expect(
                    error.message.contains(fragment), "message '\(error.message)' lacks '\(fragment)'",
                    sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record(
                "expected an OpError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        }
    }
}

private typealias D = ShapeTestData

@Suite("Shape ops registry")
struct ShapeOpsRegistryTests {
    static let ops = [
        "Reshape", "Transpose", "Concat", "Slice", "Gather", "GatherElements", "GatherND", "Split",
        "Squeeze", "Unsqueeze", "Expand", "Tile", "Range", "Trilu", "CumSum", "ConstantOfShape",
        "ScatterND", "ScatterElements", "Flatten", "Shape", "Size", "Identity", "Dropout", "Constant",
        "EyeLike", "Pad", "DepthToSpace", "SpaceToDepth", "NonZero", "OneHot",
    ]

    @Test("every op resolves at every opset from 14 to 23", arguments: ops)
    func registered(op: String) {
        for opset in 14...23 {
            #expect(
                OpRegistry.standard.factory(opType: op, domain: "", opset: opset) != nil,
                "\(op) at opset \(opset)")
        }
    }

    @Test("ops in the ai.onnx domain name resolve the same way")
    func domainAlias() throws {
        let out = try runOp("Identity", [D.int64([1, 2])], domain: "ai.onnx")
        #expect(try D.ints(out[0]) == [1, 2])
    }
}

/// A naive reference for ``StridedCopy/copy``: one element at a time by explicit coordinates.
private func naiveCopy<T: FixedWidthInteger>(
    shape: [Int], source: [T], sourceStrides: [Int], sourceOffset: Int,
    destinationCount: Int, destinationStrides: [Int]
) -> [T] {
    var result = [T](repeating: .max, count: destinationCount)
    let count = shape.reduce(1, *)
    for linear in 0..<count {
        var rest = linear
        var s = sourceOffset
        var d = 0
        for axis in shape.indices.reversed() {
            let c = rest % shape[axis]
            rest /= shape[axis]
            s += c * sourceStrides[axis]
            d += c * destinationStrides[axis]
        }
        result[d] = source[s]
    }
    return result
}

@Suite("StridedCopy")
struct StridedCopyTests {
    /// Copies through the fast helper into a buffer pre-filled with `T.max`.
    private func fastCopy<T: FixedWidthInteger>(
        shape: [Int], source: [T], sourceStrides: [Int], sourceOffset: Int,
        destinationCount: Int, destinationStrides: [Int]
    ) -> [T] {
        var result = [T](repeating: .max, count: destinationCount)
        let size = MemoryLayout<T>.size
        source.withUnsafeBytes { src in
            result.withUnsafeMutableBytes { dst in
                StridedCopy.copy(
                    shape: shape, elementSize: size,
                    from: src.baseAddress! + sourceOffset * size, strides: sourceStrides,
                    to: dst.baseAddress!, strides: destinationStrides)
            }
        }
        return result
    }

    /// Every permutation of a rank-4 shape with a mix of unit and long axes: transposes hit the
    /// contiguous-row, tiled and element paths.
    @Test(
        "transposes of 1-, 2-, 4- and 8-byte elements match the naive reference",
        arguments: [[2, 3, 4, 5], [1, 17, 3, 19], [33, 1, 2, 40], [4, 4, 1, 1], [37, 2, 1, 70]])
    func transposes(shape: [Int]) {
        transposes(shape: shape, UInt8.self)
        transposes(shape: shape, UInt16.self)
        transposes(shape: shape, UInt32.self)
        transposes(shape: shape, UInt64.self)
    }

    private func transposes<T: FixedWidthInteger>(shape: [Int], _: T.Type) {
        let source = (0..<shape.reduce(1, *)).map { T(truncatingIfNeeded: $0) }
        let strides = Shape.strides(shape)
        for perm in permutations([0, 1, 2, 3]) {
            let out = perm.map { shape[$0] }
            let sourceStrides = perm.map { strides[$0] }
            let expected = naiveCopy(
                shape: out, source: source, sourceStrides: sourceStrides, sourceOffset: 0,
                destinationCount: source.count, destinationStrides: Shape.strides(out))
            let got = fastCopy(
                shape: out, source: source, sourceStrides: sourceStrides, sourceOffset: 0,
                destinationCount: source.count, destinationStrides: Shape.strides(out))
            #expect(got == expected, "perm \(perm) of \(shape), \(T.self)")
        }
    }

    @Test("negative, zero and padded strides match the naive reference")
    func oddStrides() {
        let source = (0..<60).map { UInt16($0) }  // 2-byte elements
        // Reversed rows, broadcast middle axis, written into a wider destination.
        let cases: [(shape: [Int], ss: [Int], offset: Int, ds: [Int], count: Int)] = [
            ([3, 4], [-20, 1], 40, [4, 1], 12),
            ([3, 5, 4], [20, 0, 1], 0, [20, 4, 1], 60),
            ([3, 4], [20, -1], 3, [7, 1], 21),
            ([6], [0], 17, [1], 6),
            ([2, 3, 4], [1, 2, 6], 0, [12, 4, 1], 24),
            ([30, 2], [2, 1], 0, [2, 1], 60),
        ]
        for c in cases {
            let expected = naiveCopy(
                shape: c.shape, source: source, sourceStrides: c.ss, sourceOffset: c.offset,
                destinationCount: c.count, destinationStrides: c.ds)
            let got = fastCopy(
                shape: c.shape, source: source, sourceStrides: c.ss, sourceOffset: c.offset,
                destinationCount: c.count, destinationStrides: c.ds)
            #expect(got == expected, "shape \(c.shape) strides \(c.ss) → \(c.ds)")
        }
    }

    @Test("a zero-size axis copies nothing")
    func empty() {
        let got = fastCopy(
            shape: [3, 0, 2], source: [1, 2, 3] as [UInt16], sourceStrides: [0, 1, 1], sourceOffset: 0,
            destinationCount: 2, destinationStrides: [0, 2, 1])
        #expect(got == [0xFFFF, 0xFFFF])
    }

    @Test("simplify merges contiguous axes and drops unit ones")
    func simplify() {
        let axes = StridedCopy.simplify([2, 1, 3, 4], [12, 12, 4, 1], [12, 12, 4, 1])
        #expect(axes.map(\.count) == [24])
        let transposed = StridedCopy.simplify([2, 4, 3, 5], [60, 5, 20, 1], [60, 15, 5, 1])
        #expect(transposed.map(\.count) == [2, 4, 3, 5])
    }
}

private func permutations(_ items: [Int]) -> [[Int]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { i -> [[Int]] in
        var rest = items
        let head = rest.remove(at: i)
        return permutations(rest).map { [head] + $0 }
    }
}
