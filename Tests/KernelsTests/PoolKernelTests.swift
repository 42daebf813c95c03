import Foundation
import Kernels
import Testing

/// The table-driven pooling kernels against a brute-force walk over every window tap.
@Suite("Pooling kernels")
struct PoolKernelTests {
    static let geometries: [WindowGeometry] = [
        WindowGeometry(
            input: [7], output: [4], kernel: [3], strides: [2], dilations: [1], padBegin: [1], padEnd: [1]),
        WindowGeometry(
            input: [5, 6], output: [3, 3], kernel: [2, 3], strides: [2, 2], dilations: [1, 1],
            padBegin: [0, 1], padEnd: [1, 1]),
        WindowGeometry(
            input: [6, 5], output: [2, 4], kernel: [2, 2], strides: [3, 1], dilations: [2, 1],
            padBegin: [1, 0], padEnd: [0, 0]),
        // ceil_mode-style: the last window runs past the end padding.
        WindowGeometry(
            input: [5], output: [3], kernel: [2], strides: [2], dilations: [1], padBegin: [0], padEnd: [0]),
        WindowGeometry(
            input: [3, 4, 3], output: [2, 2, 2], kernel: [2, 2, 2], strides: [1, 2, 2], dilations: [2, 1, 1],
            padBegin: [0, 1, 1], padEnd: [1, 0, 0]),
    ]

    /// (value sum, max, index of max, taps inside, taps inside image + padding) per output.
    static func bruteForce(_ x: [Float], _ g: WindowGeometry) -> [(
        sum: Float, max: Float, at: Int, inside: Int, padded: Int
    )] {
        var results: [(Float, Float, Int, Int, Int)] = []
        let strides = (0..<g.rank).map { a in g.input[(a + 1)...].reduce(1, *) }
        for o in 0..<g.outputCount {
            var oi = [Int]()
            var rest = o
            for a in (0..<g.rank).reversed() {
                oi.insert(rest % g.output[a], at: 0)
                rest /= g.output[a]
            }
            var sum: Float = 0
            var best = -Float.infinity
            var at = -1
            var inside = 0
            var padded = 0
            for t in 0..<g.kernelCount {
                var ti = [Int]()
                var r = t
                for a in (0..<g.rank).reversed() {
                    ti.insert(r % g.kernel[a], at: 0)
                    r /= g.kernel[a]
                }
                let position = (0..<g.rank).map {
                    oi[$0] * g.strides[$0] + ti[$0] * g.dilations[$0] - g.padBegin[$0]
                }
                if (0..<g.rank).allSatisfy({
                    position[$0] >= -g.padBegin[$0] && position[$0] < g.input[$0] + g.padEnd[$0]
                }) {
                    padded += 1
                }
                guard (0..<g.rank).allSatisfy({ (0..<g.input[$0]).contains(position[$0]) }) else { continue }
                let offset = zip(position, strides).reduce(0) { $0 + $1.0 * $1.1 }
                sum += x[offset]
                inside += 1
                if x[offset] > best {
                    best = x[offset]
                    at = offset
                }
            }
            results.append((sum, best, at, inside, padded))
        }
        return results
    }

    @Test("max, average and Lp pooling match the brute-force windows", arguments: geometries.indices)
    func pooling(index: Int) {
        let g = Self.geometries[index]
        var random = SeededRandom(seed: UInt64(index) + 7)
        let planes = 2
        let x = random.floats(planes * g.inputCount)
        let windows = Kernels.PoolWindows(g)
        var maxOut = [Float](repeating: .nan, count: planes * g.outputCount)
        var indices = [Int64](repeating: -2, count: maxOut.count)
        var average = maxOut
        var averagePadded = maxOut
        var lp = maxOut
        Kernels.maxPool(
            x, planes: planes, inputCount: g.inputCount, windows: windows, lowest: -.infinity,
            output: &maxOut, indices: &indices)
        Kernels.averagePool(
            x, planes: planes, inputCount: g.inputCount, windows: windows, countIncludePad: false,
            output: &average)
        Kernels.averagePool(
            x, planes: planes, inputCount: g.inputCount, windows: windows, countIncludePad: true,
            output: &averagePadded)
        Kernels.lpPool(
            x.map(abs), planes: planes, inputCount: g.inputCount, windows: windows, p: 1, output: &lp)
        for p in 0..<planes {
            let plane = Array(x[(p * g.inputCount)..<((p + 1) * g.inputCount)])
            for (o, expected) in Self.bruteForce(plane, g).enumerated() {
                let i = p * g.outputCount + o
                #expect(maxOut[i] == expected.max)
                #expect(indices[i] == Int64(p * g.inputCount + expected.at))
                #expect(abs(average[i] - expected.sum / Float(expected.inside)) <= 1e-5)
                #expect(abs(averagePadded[i] - expected.sum / Float(expected.padded)) <= 1e-5)
                let absolute = Self.bruteForce(plane.map(abs), g)[o].sum
                #expect(abs(lp[i] - absolute) <= 1e-5)
            }
        }
    }

    @Test("column-major indices transpose the spatial position")
    func columnMajor() {
        // One window over a 2×3 image: the max at (row 0, col 1) has row-major index 1 and
        // column-major index col·rows + row = 2.
        let g = WindowGeometry(
            input: [2, 3], output: [1, 1], kernel: [2, 3], strides: [1, 1], dilations: [1, 1],
            padBegin: [0, 0], padEnd: [0, 0])
        let x: [Float] = [0, 9, 0, 0, 0, 0]
        var y: [Float] = [0]
        var rowMajor: [Int64] = [0]
        var colMajor: [Int64] = [0]
        Kernels.maxPool(
            x, planes: 1, inputCount: 6, windows: Kernels.PoolWindows(g), lowest: -.infinity,
            output: &y, indices: &rowMajor)
        Kernels.maxPool(
            x, planes: 1, inputCount: 6, windows: Kernels.PoolWindows(g, columnMajor: true),
            lowest: -.infinity, output: &y, indices: &colMajor)
        #expect(y == [9])
        #expect(rowMajor == [1])
        #expect(colMajor == [2])
    }
}
