#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Pooling over N-d windows: max (with the position of the maximum), average and Lp.
///
/// The windows are resolved once per geometry into a table of input offsets per output
/// position (``PoolWindows``); each plane (one image channel) then reads through that table.
extension Kernels {
    /// The input offsets every output position of a ``WindowGeometry`` reads, in kernel order.
    public struct PoolWindows: Sendable {
        /// Output position `o` reads `offsets[starts[o]..<starts[o + 1]]`.
        public private(set) var starts: [Int]
        /// Element offsets within one input plane, row-major.
        public private(set) var offsets: [Int]
        /// The same elements' offsets with the spatial axes in column-major order (MaxPool's
        /// storage_order = 1), filled only when asked for.
        public private(set) var columnMajorOffsets: [Int]
        /// Taps of each window that lie inside the image or its explicit padding.
        public private(set) var paddedCounts: [Int]

        public init(_ g: WindowGeometry, columnMajor: Bool = false) {
            let rank = g.rank
            let rowStrides = rowMajorStrides(g.input)
            let colStrides = Array(rowMajorStrides(Array(g.input.reversed())).reversed())
            starts = [0]
            starts.reserveCapacity(g.outputCount + 1)
            offsets = []
            columnMajorOffsets = []
            paddedCounts = []
            guard g.outputCount > 0 else { return }
            var o = [Int](repeating: 0, count: rank)
            repeat {
                var taps: [Range<Int>] = []
                var padded = 1
                for a in 0..<rank {
                    taps.append(g.validTaps(axis: a, output: o[a]))
                    // Taps inside [−padBegin, input + padEnd) count toward count_include_pad.
                    let start = o[a] * g.strides[a] - g.padBegin[a]
                    let limit = g.input[a] + g.padEnd[a] - start  // positions p − start < limit
                    let inPad = limit <= 0 ? 0 : min(g.kernel[a], (limit - 1) / g.dilations[a] + 1)
                    padded *= inPad
                }
                paddedCounts.append(padded)
                if taps.allSatisfy({ !$0.isEmpty }) {
                    var j = taps.map(\.lowerBound)
                    outer: while true {
                        var row = 0
                        var col = 0
                        for a in 0..<rank {
                            let i = o[a] * g.strides[a] + j[a] * g.dilations[a] - g.padBegin[a]
                            row += i * rowStrides[a]
                            col += i * colStrides[a]
                        }
                        offsets.append(row)
                        if columnMajor { columnMajorOffsets.append(col) }
                        var a = rank - 1
                        while a >= 0 {
                            j[a] += 1
                            if j[a] < taps[a].upperBound { continue outer }
                            j[a] = taps[a].lowerBound
                            a -= 1
                        }
                        break
                    }
                }
                starts.append(offsets.count)
            } while advance(&o, g.output, upTo: rank)
        }

        public var outputCount: Int { starts.count - 1 }
    }

    /// Max pooling: x is (planes, inputCount), y and indices are (planes, outputCount).
    /// `indices`, when given, receive the flat index of each maximum in the whole of x (plane
    /// offset included), row-major or, when `windows` was built with `columnMajor`, with the
    /// spatial axes column-major. Ties keep the first maximum in kernel order; NaN never wins
    /// (a window of NaNs gives `lowest`). A window with no input element gives `lowest` and
    /// index −1.
    public static func maxPool<T: Comparable>(
        _ x: UnsafePointer<T>, planes: Int, inputCount: Int, windows w: PoolWindows, lowest: T,
        output y: UnsafeMutablePointer<T>, indices: UnsafeMutablePointer<Int64>?
    ) {
        let outCount = w.outputCount
        let columnMajor = !w.columnMajorOffsets.isEmpty
        w.offsets.withUnsafeBufferPointer { offsets in
            for p in 0..<planes {
                let plane = x + p * inputCount
                for o in 0..<outCount {
                    var best = lowest
                    var bestAt = w.starts[o] < w.starts[o + 1] ? w.starts[o] : -1
                    for t in w.starts[o]..<w.starts[o + 1] {
                        let v = plane[offsets[t]]
                        if v > best {
                            best = v
                            bestAt = t
                        }
                    }
                    y[p * outCount + o] = best
                    if let indices {
                        let local =
                            bestAt < 0 ? -1 : (columnMajor ? w.columnMajorOffsets[bestAt] : offsets[bestAt])
                        indices[p * outCount + o] = Int64(local < 0 ? -1 : p * inputCount + local)
                    }
                }
            }
        }
    }

    /// Average pooling: x is (planes, inputCount), y is (planes, outputCount). The divisor is
    /// the number of taps inside the image, or, with `countIncludePad`, inside the image and
    /// its padding.
    public static func averagePool(
        _ x: UnsafePointer<Float>, planes: Int, inputCount: Int, windows w: PoolWindows,
        countIncludePad: Bool, output y: UnsafeMutablePointer<Float>
    ) {
        let outCount = w.outputCount
        w.offsets.withUnsafeBufferPointer { offsets in
            for p in 0..<planes {
                let plane = x + p * inputCount
                for o in 0..<outCount {
                    var sum: Float = 0
                    for t in w.starts[o]..<w.starts[o + 1] { sum += plane[offsets[t]] }
                    let count = countIncludePad ? w.paddedCounts[o] : w.starts[o + 1] - w.starts[o]
                    y[p * outCount + o] = sum / Float(count)
                }
            }
        }
    }

    /// Lp pooling, `(Σ |x|^p)^(1/p)` over each window (padding adds nothing): x is
    /// (planes, inputCount), y is (planes, outputCount).
    public static func lpPool(
        _ x: UnsafePointer<Float>, planes: Int, inputCount: Int, windows w: PoolWindows, p: Float,
        output y: UnsafeMutablePointer<Float>
    ) {
        let outCount = w.outputCount
        w.offsets.withUnsafeBufferPointer { offsets in
            for plane in 0..<planes {
                let base = x + plane * inputCount
                for o in 0..<outCount {
                    var sum: Float = 0
                    for t in w.starts[o]..<w.starts[o + 1] { sum += powf(abs(base[offsets[t]]), p) }
                    y[plane * outCount + o] = powf(sum, 1 / p)
                }
            }
        }
    }
}
