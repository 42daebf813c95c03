import CKernels

/// The tanh GELU as exporters write it (GPT-2, GPT-J, Gemma: eight nodes), recognised in an
/// elementwise program and run as one vector loop with every intermediate in registers:
///
///     y = (x·h) · (tanh(k·(x + c·x³)) + one)        h, c, k, one: scalar inputs
///
/// The loop performs the program's operations in its order (x³ as (x·x)·x, then each product
/// and sum as written; operands of + and · may come in either order, which IEEE arithmetic does
/// not see), so results are bitwise those of the tiled interpreter, at about half its cost.
extension Kernels {
    struct GeluTanhProgram {
        var x: Int
        var h, c, k, one: Float

        /// The match, when `steps` are exactly this GELU of one input read element by element.
        init?(_ steps: [ElementwiseStep], _ sources: [ElementwiseSource]) {
            guard steps.count == 8, let root = steps.last, root.operation == .multiply else { return nil }
            let inputs = sources.count
            func step(_ register: Int, _ operation: ElementwiseOperation) -> ElementwiseStep? {
                register >= inputs && steps[register - inputs].operation == operation ? steps[register - inputs] : nil
            }
            func scalar(_ register: Int) -> Float? {
                register < inputs && sources[register].period == 1 ? sources[register].base[0] : nil
            }
            /// The operands of a commutative step as (register matching `first`, the other).
            func pair(_ s: ElementwiseStep, _ first: (Int) -> Bool) -> (Int, Int)? {
                if first(s.operands[0]) { return (s.operands[0], s.operands[1]) }
                if first(s.operands[1]) { return (s.operands[1], s.operands[0]) }
                return nil
            }
            let isScale = { (r: Int) in step(r, .multiply).map { s in s.operands.contains { scalar($0) != nil } } ?? false }
            guard let (scaleRegister, sumRegister) = pair(root, isScale),
                let scale = step(scaleRegister, .multiply), let sum = step(sumRegister, .add),
                let (x, hRegister) = pair(scale, { scalar($0) == nil }), x < inputs, let h = scalar(hRegister),
                let (tanhRegister, oneRegister) = pair(sum, { step($0, .activation(.tanh)) != nil }),
                let one = scalar(oneRegister), let tanh = step(tanhRegister, .activation(.tanh)),
                let inner = step(tanh.operands[0], .multiply),
                let (shiftRegister, kRegister) = pair(inner, { step($0, .add) != nil }), let k = scalar(kRegister),
                let shift = step(shiftRegister, .add),
                let (x2, cubicRegister) = pair(shift, { $0 == x }), x2 == x,
                let cubic = step(cubicRegister, .multiply),
                let (cubeRegister, cRegister) = pair(cubic, { step($0, .cube) != nil }), let c = scalar(cRegister),
                let cube = step(cubeRegister, .cube), cube.operands[0] == x
            else { return nil }
            (self.x, self.h, self.c, self.k, self.one) = (x, h, c, k, one)
        }

        // x, y: the part's elements. In C (CKernels), built for AVX2 too and chosen at load.
        func run(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
            onnxpatch_gelu_tanh(x, y, n, h, c, k, one)
        }
    }
}
