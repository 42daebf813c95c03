import Kernels
import TensorCore

/// Strided copies over raw bytes: the one loop behind Transpose, Slice, Expand, Tile, Concat,
/// Split, Pad and DepthToSpace. Only the element size matters, so every dtype takes the same path.
///
/// A copy is described by a shape and, for each side, strides in elements. The copy first drops
/// unit axes and merges axes that are contiguous on both sides, then picks an inner kernel:
/// `memcpy` of whole rows when both sides are contiguous on the innermost axis (attention's
/// (B,S,H,D)→(B,H,S,D) moves rows of D elements), a fill when the source repeats one element
/// (broadcast), a tiled loop for a 2-D transpose in the two innermost axes (4 × 4 SIMD blocks for
/// 4-byte elements: a float32 (8,512,12,64) key transpose measured ~1.2× onnxruntime's single-thread
/// time at -O), else an element loop.
enum StridedCopy {
    /// Copies the `shape`-sized view of `source` with `sourceStrides` into the view of
    /// `destination` with `destinationStrides`.
    ///
    /// - Parameters:
    ///   - shape: The extent of the copy; any axis of size 0 makes it a no-op.
    ///   - elementSize: Bytes per element (1, 2, 4 or 8 for every ``DType``).
    ///   - sourceStrides: In elements; negative for reversed views, 0 for broadcast axes.
    ///   - destinationStrides: In elements; must not make two elements overlap.
    static func copy(
        shape: [Int], elementSize: Int,
        from source: UnsafeRawPointer, strides sourceStrides: [Int],
        to destination: UnsafeMutableRawPointer, strides destinationStrides: [Int]
    ) {
        precondition(shape.count == sourceStrides.count && shape.count == destinationStrides.count)
        if shape.contains(0) { return }
        let axes = simplify(shape, sourceStrides, destinationStrides)
        let es = elementSize
        // Copies of more than ~256 KB split their outermost axis over the threads.
        let bytes = axes.reduce(es) { $0 * $1.count }
        guard let outer = axes.first, bytes >= parallelBytes else {
            return copy(axes, es, source, destination)
        }
        Kernels.parallelParts(outer.count, minimumPart: Swift.max(1, outer.count * (parallelBytes / 2) / bytes)) { part in
            var axes = axes
            axes[0].count = part.count
            copy(
                axes, es, source + part.lowerBound * outer.source * es,
                destination + part.lowerBound * outer.destination * es)
        }
    }

    static let parallelBytes = 1 << 18

    /// Copies the simplified view `axes` (elements of `es` bytes).
    private static func copy(
        _ axes: [Axis], _ es: Int, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer
    ) {
        guard let inner = axes.last else {
            destination.copyMemory(from: source, byteCount: es)
            return
        }
        // A transpose of the two innermost axes reads one side with a long stride; tiles keep
        // both sides in cache.
        if axes.count >= 2, inner.destination == 1, axes[axes.count - 2].source == 1, inner.source != 0,
            inner.source != 1
        {
            let rows = axes[axes.count - 2]
            forEachOuter(axes.dropLast(2), es, source, destination) { s, d in
                transposeTile(
                    rows: rows.count, columns: inner.count, es,
                    s, sourceColumnStride: inner.source,
                    d, destinationRowStride: rows.destination)
            }
            return
        }
        // Rows of a few bytes cost more as a memcpy call than as an element loop.
        let kind: InnerKind =
            inner.source == 1 && inner.destination == 1 && inner.count * es > 32
            ? .contiguous
            : inner.source == 0 ? .fill : .strided
        forEachOuter(axes.dropLast(), es, source, destination) { s, d in
            switch kind {
            case .contiguous: d.copyMemory(from: s, byteCount: inner.count * es)
            case .fill: fillRow(inner.count, es, s, d, destinationStride: inner.destination)
            case .strided: stridedRow(inner.count, es, s, inner.source, d, inner.destination)
            }
        }
    }

    /// Runs `body` with the bytes of `source` and the writable bytes of `destination`; skipped
    /// when either holds no element.
    static func withBuffers(
        _ source: Tensor, _ destination: inout Tensor,
        _ body: (UnsafeRawPointer, UnsafeMutableRawPointer) throws -> Void
    ) rethrows {
        guard source.count > 0, destination.count > 0 else { return }
        try source.withUnsafeRawBytes { src in
            try destination.withUnsafeMutableRawBytes { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                try body(s, d)
            }
        }
    }

    /// Writes `count` copies of the `elementSize` bytes at `value` from `destination` on.
    static func fill(
        _ destination: UnsafeMutableRawPointer, count: Int, elementSize: Int, value: UnsafeRawPointer
    ) {
        fillRow(count, elementSize, value, destination, destinationStride: 1)
    }

    // MARK: - Internals

    struct Axis {
        var count: Int
        var source: Int
        var destination: Int
    }

    private enum InnerKind { case contiguous, fill, strided }

    /// Drops unit axes and merges neighbours that are contiguous with each other on both sides.
    static func simplify(_ shape: [Int], _ source: [Int], _ destination: [Int]) -> [Axis] {
        var axes: [Axis] = []
        for i in shape.indices where shape[i] != 1 {
            let next = Axis(count: shape[i], source: source[i], destination: destination[i])
            if let last = axes.last, last.source == next.source * next.count,
                last.destination == next.destination * next.count
            {
                axes[axes.count - 1] = Axis(
                    count: last.count * next.count, source: next.source,
                    destination: next.destination)
            } else {
                axes.append(next)
            }
        }
        return axes
    }

    /// Calls `body` with the source and destination addresses of every position of `outer`.
    @inline(__always)
    private static func forEachOuter(
        _ outer: ArraySlice<Axis>, _ es: Int, _ source: UnsafeRawPointer,
        _ destination: UnsafeMutableRawPointer,
        _ body: (UnsafeRawPointer, UnsafeMutableRawPointer) -> Void
    ) {
        let outer = Array(outer)
        var index = [Int](repeating: 0, count: outer.count)
        var s = source
        var d = destination
        let total = outer.reduce(1) { $0 * $1.count }
        for _ in 0..<total {
            body(s, d)
            var axis = outer.count - 1
            while axis >= 0 {
                index[axis] += 1
                s += outer[axis].source * es
                d += outer[axis].destination * es
                if index[axis] < outer[axis].count { break }
                s -= outer[axis].source * outer[axis].count * es
                d -= outer[axis].destination * outer[axis].count * es
                index[axis] = 0
                axis -= 1
            }
        }
    }

    private static func stridedRow(
        _ n: Int, _ es: Int, _ s: UnsafeRawPointer, _ ss: Int, _ d: UnsafeMutableRawPointer, _ ds: Int
    ) {
        switch es {
        case 1: stridedRow(UInt8.self, n, s, ss, d, ds)
        case 2: stridedRow(UInt16.self, n, s, ss, d, ds)
        case 4: stridedRow(UInt32.self, n, s, ss, d, ds)
        case 8: stridedRow(UInt64.self, n, s, ss, d, ds)
        default:
            for i in 0..<n { (d + i * ds * es).copyMemory(from: s + i * ss * es, byteCount: es) }
        }
    }

    @inline(__always)
    private static func stridedRow<T>(
        _: T.Type, _ n: Int, _ s: UnsafeRawPointer, _ ss: Int, _ d: UnsafeMutableRawPointer, _ ds: Int
    ) {
        let sb = ss * MemoryLayout<T>.size
        let db = ds * MemoryLayout<T>.size
        for i in 0..<n {
            (d + i * db).storeBytes(of: (s + i * sb).loadUnaligned(as: T.self), as: T.self)
        }
    }

    private static func fillRow(
        _ n: Int, _ es: Int, _ value: UnsafeRawPointer, _ d: UnsafeMutableRawPointer,
        destinationStride ds: Int
    ) {
        switch es {
        case 1: fillRow(UInt8.self, n, value, d, ds)
        case 2: fillRow(UInt16.self, n, value, d, ds)
        case 4: fillRow(UInt32.self, n, value, d, ds)
        case 8: fillRow(UInt64.self, n, value, d, ds)
        default:
            for i in 0..<n { (d + i * ds * es).copyMemory(from: value, byteCount: es) }
        }
    }

    @inline(__always)
    private static func fillRow<T>(
        _: T.Type, _ n: Int, _ value: UnsafeRawPointer, _ d: UnsafeMutableRawPointer, _ ds: Int
    ) {
        let v = value.loadUnaligned(as: T.self)
        let db = ds * MemoryLayout<T>.size
        for i in 0..<n { (d + i * db).storeBytes(of: v, as: T.self) }
    }

    /// `d[r * destinationRowStride + c] = s[r + c * sourceColumnStride]` over a rows × columns
    /// block, visited in 16 × 16 tiles.
    private static func transposeTile(
        rows: Int, columns: Int, _ es: Int,
        _ s: UnsafeRawPointer, sourceColumnStride: Int,
        _ d: UnsafeMutableRawPointer, destinationRowStride: Int
    ) {
        switch es {
        case 1: transposeTile(UInt8.self, rows, columns, s, sourceColumnStride, d, destinationRowStride)
        case 2: transposeTile(UInt16.self, rows, columns, s, sourceColumnStride, d, destinationRowStride)
        case 4: transpose4(rows, columns, s, sourceColumnStride, d, destinationRowStride)
        case 8: transposeTile(UInt64.self, rows, columns, s, sourceColumnStride, d, destinationRowStride)
        default:
            for r in 0..<rows {
                stridedRow(columns, es, s + r * es, sourceColumnStride, d + r * destinationRowStride * es, 1)
            }
        }
    }

    /// 4-byte elements: 4 × 4 blocks moved through SIMD registers inside 32 × 32 tiles.
    private static func transpose4(
        _ rows: Int, _ columns: Int, _ s: UnsafeRawPointer, _ sc: Int, _ d: UnsafeMutableRawPointer, _ dr: Int
    ) {
        let tile = 32
        let rows4 = rows & ~3
        let columns4 = columns & ~3
        for r0 in stride(from: 0, to: rows4, by: tile) {
            let r1 = min(r0 + tile, rows4)
            for c0 in stride(from: 0, to: columns4, by: tile) {
                let c1 = min(c0 + tile, columns4)
                for c in stride(from: c0, to: c1, by: 4) {
                    for r in stride(from: r0, to: r1, by: 4) {
                        // v_i holds rows r..<r+4 of column c + i (contiguous in the source).
                        let base = s + (r + c * sc) * 4
                        let v0 = base.loadUnaligned(as: SIMD4<UInt32>.self)
                        let v1 = (base + sc * 4).loadUnaligned(as: SIMD4<UInt32>.self)
                        let v2 = (base + sc * 8).loadUnaligned(as: SIMD4<UInt32>.self)
                        let v3 = (base + sc * 12).loadUnaligned(as: SIMD4<UInt32>.self)
                        let out = d + (r * dr + c) * 4
                        out.storeBytes(of: SIMD4(v0[0], v1[0], v2[0], v3[0]), as: SIMD4<UInt32>.self)
                        (out + dr * 4).storeBytes(
                            of: SIMD4(v0[1], v1[1], v2[1], v3[1]), as: SIMD4<UInt32>.self)
                        (out + dr * 8).storeBytes(
                            of: SIMD4(v0[2], v1[2], v2[2], v3[2]), as: SIMD4<UInt32>.self)
                        (out + dr * 12).storeBytes(
                            of: SIMD4(v0[3], v1[3], v2[3], v3[3]), as: SIMD4<UInt32>.self)
                    }
                }
            }
        }
        // Ragged edges: the last rows % 4 rows and columns % 4 columns, element by element.
        if rows4 < rows {
            transposeTile(UInt32.self, rows - rows4, columns, s + rows4 * 4, sc, d + rows4 * dr * 4, dr)
        }
        if columns4 < columns {
            transposeTile(
                UInt32.self, rows4, columns - columns4, s + columns4 * sc * 4, sc, d + columns4 * 4, dr)
        }
    }

    @inline(__always)
    private static func transposeTile<T>(
        _: T.Type, _ rows: Int, _ columns: Int, _ s: UnsafeRawPointer, _ sc: Int,
        _ d: UnsafeMutableRawPointer, _ dr: Int
    ) {
        let tile = 16
        let size = MemoryLayout<T>.size
        for r0 in stride(from: 0, to: rows, by: tile) {
            let r1 = min(r0 + tile, rows)
            for c0 in stride(from: 0, to: columns, by: tile) {
                let c1 = min(c0 + tile, columns)
                for r in r0..<r1 {
                    let dRow = d + r * dr * size
                    let sRow = s + r * size
                    for c in c0..<c1 {
                        (dRow + c * size).storeBytes(
                            of: (sRow + c * sc * size).loadUnaligned(as: T.self), as: T.self)
                    }
                }
            }
        }
    }
}
