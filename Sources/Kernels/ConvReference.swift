/// Direct-loop references for the convolution kernels, for tests: every output element is a
/// sum over its window, accumulated in Double.
extension Kernels {
    /// Same contract as ``convolution(_:weights:bias:channels:geometry:output:workspace:)``.
    public static func convolutionNaive(
        _ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        channels c: ConvChannels, geometry g: WindowGeometry, output: UnsafeMutablePointer<Float>
    ) {
        let cg = c.channels / c.group
        let mg = c.outChannels / c.group
        let inStrides = rowMajorStrides(g.input)
        let kCount = g.kernelCount
        guard g.outputCount > 0, kCount > 0 else { return }
        var out = output
        for n in 0..<c.batch {
            for m in 0..<c.outChannels {
                let group = m / mg
                var o = [Int](repeating: 0, count: g.rank)
                repeat {
                    var sum = Double(bias?[m] ?? 0)
                    for ci in 0..<cg {
                        let plane = x + (n * c.channels + group * cg + ci) * g.inputCount
                        let w = weights + (m * cg + ci) * kCount
                        forEachTap(of: o, g, inStrides) { t, offset in
                            sum += Double(plane[offset]) * Double(w[t])
                        }
                    }
                    out.pointee = Float(sum)
                    out += 1
                } while advance(&o, g.output, upTo: g.rank)
            }
        }
    }

    /// Same contract as ``convolutionTranspose(_:weights:bias:channels:geometry:output:workspace:)``:
    /// scatters each input element times the kernel into the output.
    public static func convolutionTransposeNaive(
        _ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        channels c: ConvChannels, geometry g: WindowGeometry, output: UnsafeMutablePointer<Float>
    ) {
        let cg = c.channels / c.group
        let mg = c.outChannels / c.group
        let yStrides = rowMajorStrides(g.input)
        let yCount = g.inputCount
        let xCount = g.outputCount
        let kCount = g.kernelCount
        var sums = [Double](repeating: 0, count: c.batch * c.outChannels * yCount)
        for n in 0..<c.batch where xCount > 0 && kCount > 0 {
            for ci in 0..<c.channels {
                let group = ci / cg
                var o = [Int](repeating: 0, count: g.rank)
                var xi = (n * c.channels + ci) * xCount
                repeat {
                    let value = Double(x[xi])
                    for mi in 0..<mg {
                        let m = group * mg + mi
                        let w = weights + (ci * mg + mi) * kCount
                        let plane = (n * c.outChannels + m) * yCount
                        forEachTap(of: o, g, yStrides) { t, offset in
                            sums[plane + offset] += value * Double(w[t])
                        }
                    }
                    xi += 1
                } while advance(&o, g.output, upTo: g.rank)
            }
        }
        for (i, s) in sums.enumerated() {
            output[i] = Float(s + Double(bias?[(i / yCount) % c.outChannels] ?? 0))
        }
    }

    /// Calls `body(t, offset)` for each kernel tap `t` (row-major over the kernel) of the window
    /// at output position `o` that lands inside the input, `offset` being the tap's element in
    /// an input plane of row-major `strides`; taps in the padding are skipped.
    private static func forEachTap(
        of o: [Int], _ g: WindowGeometry, _ strides: [Int], _ body: (_ t: Int, _ offset: Int) -> Void
    ) {
        var tap = [Int](repeating: 0, count: g.rank)
        var t = 0
        repeat {
            var offset = 0
            var inside = true
            for a in 0..<g.rank {
                let i = o[a] * g.strides[a] + tap[a] * g.dilations[a] - g.padBegin[a]
                inside = inside && i >= 0 && i < g.input[a]
                offset += i * strides[a]
            }
            if inside { body(t, offset) }
            t += 1
        } while advance(&tap, g.kernel, upTo: g.rank)
    }
}
