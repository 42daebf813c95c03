import Foundation
import Testing
@testable import Kernels

/// Row kernels split over a helper thread give the same bits as on one thread.
@Suite(.serialized) struct ParallelPartsTests {
    func withHelpers<T>(_ helpers: Int, _ body: () -> T) -> T {
        Kernels.helpersOverride = helpers
        defer { Kernels.helpersOverride = nil }
        return body()
    }

    @Test func partsCoverTheRangeOnceInOrderOfTheirBounds() {
        var seen = [Int](repeating: 0, count: 100_003)
        seen.withUnsafeMutableBufferPointer { counts in
            let base = counts.baseAddress!
            withHelpers(1) {
                Kernels.parallelParts(100_003, minimumPart: 1000) { part in
                    for i in part { base[i] += 1 }
                }
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test func concurrentAndNestedLoopsEachCoverTheirRangeOnce() {
        // Four callers at once, thousands of loops of every size, some nested: one loop holds the
        // pool, the others (and nested ones) run on their caller; none may lose or repeat a part.
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
            func add() { lock.withLock { count += 1 } }
        }
        let failures = Failures()
        withHelpers(1) {
            DispatchQueue.concurrentPerform(iterations: 4) { caller in
                var seen = [Int](repeating: 0, count: 600)
                for round in 0..<3000 {
                    let count = 1 + (round * 37 + caller * 11) % 600
                    seen.withUnsafeMutableBufferPointer { buffer in
                        let base = buffer.baseAddress!
                        for i in 0..<count { base[i] = 0 }
                        Kernels.parallelParts(count, minimumPart: 1 + round % 7) { part in
                            if round % 5 == 0 {
                                Kernels.parallelParts(part.count, minimumPart: 1) { inner in
                                    for i in inner { base[part.lowerBound + i] += 1 }
                                }
                            } else {
                                for i in part { base[i] += 1 }
                            }
                        }
                        if (0..<count).contains(where: { base[$0] != 1 }) { failures.add() }
                    }
                }
            }
        }
        #expect(failures.count == 0)
    }

    @Test func softmaxAndLayerNormRowsSplitBitForBit() {
        var random = SeededRandom(seed: 5)
        let (rows, cols) = (3000, 50)
        let x = random.floats(rows * cols, in: -8...8)
        let scale = random.floats(cols), bias = random.floats(cols)
        func run(_ helpers: Int) -> ([Float], [Float]) {
            var soft = [Float](repeating: 0, count: rows * cols)
            var norm = [Float](repeating: 0, count: rows * cols)
            withHelpers(helpers) {
                Kernels.softmax(x, &soft, outer: rows, length: cols, inner: 1)
                Kernels.layerNormalization(x, &norm, rows: rows, cols: cols, scale: scale, bias: bias, epsilon: 1e-5)
            }
            return (soft, norm)
        }
        let (alone, helped) = (run(0), run(1))
        #expect(alone.0 == helped.0)
        #expect(alone.1 == helped.1)
        // Row 0 of the softmax against the formula, so equal results are also right ones.
        let row = x[0..<cols].map(Double.init), m = row.max()!, sum = row.map { exp($0 - m) }.reduce(0, +)
        #expect(zip(helped.0[0..<cols], row).allSatisfy { abs(Double($0) - exp($1 - m) / sum) < 1e-6 })
    }
}
