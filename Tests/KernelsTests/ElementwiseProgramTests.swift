import Foundation
import Testing
@testable import Kernels

@Suite(.serialized) struct ElementwiseProgramTests {
    /// GPT-2's tanh GELU as exported, register 0 = x and 1…5 = its constants:
    /// 0.5·x·(1 + tanh(0.7978845608·(x + 0.044715·x³))).
    let gelu: [Kernels.ElementwiseStep] = [
        .init(.multiply, [0, 1]),  // 6: 0.5·x
        .init(.cube, [0]),  // 7: x³
        .init(.multiply, [2, 7]),  // 8: 0.044715·x³
        .init(.add, [0, 8]),  // 9
        .init(.multiply, [3, 9]),  // 10
        .init(.activation(.tanh), [10]),  // 11
        .init(.add, [4, 11]),  // 12: 1 + tanh
        .init(.multiply, [6, 12]),  // 13
    ]
    let constants: [Float] = [0.5, 0.044715, 0.797_884_56, 1, 0]

    func run(
        _ steps: [Kernels.ElementwiseStep], _ inputs: [[Float]], layouts: [(period: Int, run: Int)], count: Int,
        naive: Bool = false
    ) -> [Float] {
        var output = [Float](repeating: .nan, count: count)
        func go(_ i: Int, _ sources: [Kernels.ElementwiseSource]) {
            if i == inputs.count {
                output.withUnsafeMutableBufferPointer { out in
                    if naive {
                        Kernels.elementwiseNaive(steps, sources: sources, output: out.baseAddress!, count: count)
                    } else {
                        Kernels.elementwise(steps, sources: sources, output: out.baseAddress!, count: count)
                    }
                }
                return
            }
            inputs[i].withUnsafeBufferPointer { p in
                go(i + 1, sources + [.init(base: p.baseAddress!, period: layouts[i].period, run: layouts[i].run)])
            }
        }
        go(0, [])
        return output
    }

    /// Long enough for several parts of 32 tiles and a ragged last tile and vector; with 0 or 1
    /// helper thread whatever the machine's cores.
    @Test(arguments: [0, 1]) func geluMatchesTheFormulaAndTheElementByElementReference(helpers: Int) {
        Kernels.helpersOverride = helpers
        defer { Kernels.helpersOverride = nil }
        var random = SeededRandom(seed: 7)
        let count = 2 * 33 * 1024 + 21
        let x = random.floats(count, in: -6...6)
        let inputs = [x] + constants.map { [$0] }
        let layouts = [(count, 1)] + constants.map { _ in (1, 1) }
        let fused = run(gelu, inputs, layouts: layouts, count: count)
        let naive = run(gelu, inputs, layouts: layouts, count: count, naive: true)
        #expect(fused == naive, "tiles, threads and vector tails change no bit")
        let exact = x.map { v -> Double in
            let d = Double(v)
            return 0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)))
        }
        #expect(worstError(fused, exact, atol: 1e-6, rtol: 1e-5) <= 1)
    }

    /// The GELU above runs as the one-loop template (the test before compares it with the
    /// element-by-element reference); programs that differ anywhere do not match it.
    @Test func theTanhGeluTemplateMatchesOnlyThatProgram() {
        let x: [Float] = [1, 2, 3]
        let values = [0] + constants
        values.withUnsafeBufferPointer { c in
            x.withUnsafeBufferPointer { p in
                let sources = [Kernels.ElementwiseSource(base: p.baseAddress!, period: 3, run: 1)]
                    + (1..<values.count).map { Kernels.ElementwiseSource(base: c.baseAddress! + $0, period: 1, run: 1) }
                #expect(Kernels.GeluTanhProgram(gelu, sources) != nil)
                var shuffled = gelu
                shuffled[0].operands.reverse()  // 0.5·x written as x·0.5
                #expect(Kernels.GeluTanhProgram(shuffled, sources) != nil)
                var other = gelu
                other[6].operation = .subtract  // tanh − 1
                #expect(Kernels.GeluTanhProgram(other, sources) == nil)
                other = gelu
                other[3].operands = [1, 8]  // 0.5 + c·x³ instead of x + c·x³
                #expect(Kernels.GeluTanhProgram(other, sources) == nil)
                var broadcast = sources
                broadcast[1].period = 3  // h no scalar
                #expect(Kernels.GeluTanhProgram(gelu, broadcast) == nil)
            }
        }
    }

    /// Output [4, 7, 5]: x full, bias over the last axis, a per-row value [7, 1], a scalar;
    /// y = x·row + bias − s, checked against the nested loop over the three axes.
    @Test func broadcastSourcesReadTheRightElements() {
        var random = SeededRandom(seed: 11)
        let x = random.floats(4 * 7 * 5), bias = random.floats(5), row = random.floats(7), s: [Float] = [0.25]
        let steps: [Kernels.ElementwiseStep] = [
            .init(.multiply, [0, 2]), .init(.add, [4, 1]), .init(.subtract, [5, 3]),
        ]
        let y = run(steps, [x, bias, row, s], layouts: [(140, 1), (5, 1), (7, 5), (1, 1)], count: 140)
        var expected: [Float] = []
        for i in 0..<4 {
            for j in 0..<7 {
                for k in 0..<5 { expected.append(x[(i * 7 + j) * 5 + k] * row[j] + bias[k] - s[0]) }
            }
        }
        #expect(y == expected)
    }

    /// Every operation against Swift's scalar arithmetic, on a length that is no multiple of 16.
    @Test func unaryAndBinaryOperationsAreTheIEEEOperations() {
        var random = SeededRandom(seed: 3)
        let a = random.floats(37, in: 0.1...4), b = random.floats(37, in: -3...3)
        let cases: [(Kernels.ElementwiseOperation, (Float, Float) -> Float)] = [
            (.add, { $0 + $1 }), (.subtract, { $0 - $1 }), (.multiply, { $0 * $1 }), (.divide, { $0 / $1 }),
            (.negate, { a, _ in -a }), (.square, { a, _ in a * a }), (.cube, { a, _ in a * a * a }),
            (.squareRoot, { a, _ in a.squareRoot() }), (.reciprocal, { a, _ in 1 / a }),
        ]
        for (operation, reference) in cases {
            let step = Kernels.ElementwiseStep(operation, operation.arity == 2 ? [0, 1] : [0])
            let y = run([step], [a, b], layouts: [(37, 1), (37, 1)], count: 37)
            #expect(y == zip(a, b).map(reference), "\(operation)")
        }
    }
}
