/// im2col and its adjoint col2im over N-d images, the data movement that turns a convolution
/// into one matrix product.
extension Kernels {
    /// Unfolds every window of an image into the columns of a matrix.
    ///
    /// image is (channels, input…) and columns is (channels·kernelCount, outputCount): row
    /// `c·kernelCount + tap` holds, for each output position, the input element that kernel
    /// tap reads (0 where the tap falls in the padding). Taps are row-major over the kernel.
    public static func im2col(
        _ image: UnsafePointer<Float>, channels: Int, geometry g: WindowGeometry,
        columns: UnsafeMutablePointer<Float>
    ) {
        var row = columns
        forEachWindowRow(channels: channels, geometry: g) { plane, inside, base, offset, valid in
            defer { row += g.output[g.rank - 1] }
            let dst = row
            guard inside, !valid.isEmpty else {
                dst.update(repeating: 0, count: g.output[g.rank - 1])
                return
            }
            let s = g.strides[g.rank - 1]
            let src = image + plane + base + offset
            dst.update(repeating: 0, count: valid.lowerBound)
            if s == 1 {
                (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
            } else {
                for o in valid { dst[o] = src[o * s] }
            }
            (dst + valid.upperBound).update(repeating: 0, count: g.output[g.rank - 1] - valid.upperBound)
        }
    }

    /// Folds columns back into an image, adding each column entry to the element it was read
    /// from: the adjoint of ``im2col(_:channels:geometry:columns:)``. Entries that fall in the
    /// padding are dropped.
    ///
    /// columns is (channels·kernelCount, outputCount); image is (channels, input…) and is
    /// added to, not overwritten.
    public static func col2im(
        _ columns: UnsafePointer<Float>, channels: Int, geometry g: WindowGeometry,
        image: UnsafeMutablePointer<Float>
    ) {
        var row = columns
        forEachWindowRow(channels: channels, geometry: g) { plane, inside, base, offset, valid in
            defer { row += g.output[g.rank - 1] }
            guard inside else { return }
            let s = g.strides[g.rank - 1]
            let dst = image + plane + base + offset
            for o in valid { dst[o * s] += row[o] }
        }
    }

    /// Calls `body` once per row of the im2col matrix segment that covers one line of output
    /// positions along the last axis, in the matrix's row-major order. `body` gets the
    /// channel's element offset, whether the leading axes' input coordinates are inside the
    /// image, their element offset, the last axis' input offset of output position 0, and
    /// the output positions along the last axis whose input is inside.
    private static func forEachWindowRow(
        channels: Int, geometry g: WindowGeometry,
        _ body: (_ plane: Int, _ inside: Bool, _ base: Int, _ offset: Int, _ valid: Range<Int>) -> Void
    ) {
        let rank = g.rank
        precondition(rank >= 1, "im2col needs at least one spatial axis")
        let last = rank - 1
        let inStrides = rowMajorStrides(g.input)
        let inCount = g.inputCount
        guard g.outputCount > 0, g.kernelCount > 0 else { return }
        for c in 0..<channels {
            var tap = [Int](repeating: 0, count: rank)
            repeat {
                let valid = g.validOutputs(axis: last, tap: tap[last])
                let offset = tap[last] * g.dilations[last] - g.padBegin[last]
                var o = [Int](repeating: 0, count: rank)
                repeat {
                    var base = 0
                    var inside = true
                    for a in 0..<last {
                        let i = o[a] * g.strides[a] + tap[a] * g.dilations[a] - g.padBegin[a]
                        if i < 0 || i >= g.input[a] {
                            inside = false
                            break
                        }
                        base += i * inStrides[a]
                    }
                    body(c * inCount, inside, base, offset, valid)
                } while advance(&o, g.output, upTo: last)
            } while advance(&tap, g.kernel, upTo: rank)
        }
    }

    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }
}
