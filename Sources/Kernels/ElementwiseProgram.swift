/// Fused elementwise programs on float32: a chain of elementwise operations (GELU's eight ops,
/// SiLU, scale-and-shift) computed tile by tile, so intermediates stay in L1 instead of making
/// one pass over memory per op, and split over the BLAS threads when large.
///
/// Each operation computes exactly what the corresponding single-op kernel computes (the same
/// IEEE operation, or the same vector approximation for the activations), so a fused result is
/// bitwise equal to the unfused one.
extension Kernels {
    public enum ElementwiseOperation: Sendable, Equatable {
        case add, subtract, multiply, divide
        /// `a` where it is not NaN, else `b` (`Where(IsNaN(a), b, a)`).
        case replaceNaN
        case negate, square, cube, squareRoot, reciprocal
        case activation(Activation)

        /// 2 for the binary operations, else 1.
        public var arity: Int {
            switch self {
            case .add, .subtract, .multiply, .divide, .replaceNaN: 2
            default: 1
            }
        }
    }

    /// One operation of a program. Registers `0..<inputs` hold the program's inputs and register
    /// `inputs + s` the result of step s; the last step's result is the program's output.
    public struct ElementwiseStep: Sendable, Equatable {
        public var operation: ElementwiseOperation
        public var operands: [Int]

        public init(_ operation: ElementwiseOperation, _ operands: [Int]) {
            self.operation = operation
            self.operands = operands
        }
    }

    /// How an input broadcasts over the flat output: output element i reads
    /// `base[(i / run) % period]`. A full-size input has period = count and run 1, a scalar
    /// period 1, a bias over the last axes period = its count and run 1, a per-row value
    /// (shape `[…, n, 1]` against `[…, n, d]`) run d.
    public struct ElementwiseSource {
        public var base: UnsafePointer<Float>
        public var period: Int
        public var run: Int

        public init(base: UnsafePointer<Float>, period: Int, run: Int) {
            self.base = base
            self.period = period
            self.run = run
        }
    }

    /// Elements per tile: every register of a tile fits in L1 for programs of ~10 steps.
    static let elementwiseTile = 1024

    /// Runs `steps` over `count` output elements read through `sources` into `output`
    /// (`count` floats, not aliasing any source).
    public static func elementwise(
        _ steps: [ElementwiseStep], sources: [ElementwiseSource], output: UnsafeMutablePointer<Float>, count: Int
    ) {
        precondition(!steps.isEmpty, "empty elementwise program")
        for (s, step) in steps.enumerated() {
            precondition(
                step.operands.count == step.operation.arity && step.operands.allSatisfy { $0 >= 0 && $0 < sources.count + s },
                "elementwise step \(s) reads a register not yet written")
        }
        precondition(sources.allSatisfy { $0.period >= 1 && $0.run >= 1 }, "elementwise source without elements")
        // Parts of at least 32 tiles: below ~100 µs of work a second thread costs more than it saves.
        if let gelu = GeluTanhProgram(steps, sources), sources[gelu.x].run == 1, sources[gelu.x].period >= count {
            let x = sources[gelu.x].base
            parallelParts(count, minimumPart: 32 * elementwiseTile) { part in
                gelu.run(x + part.lowerBound, output + part.lowerBound, part.count)
            }
            return
        }
        parallelParts(count, minimumPart: 32 * elementwiseTile) { part in
            elementwisePart(steps, sources, output, part)
        }
    }

    static func elementwisePart(
        _ steps: [ElementwiseStep], _ sources: [ElementwiseSource], _ output: UnsafeMutablePointer<Float>,
        _ part: Range<Int>
    ) {
        let tile = elementwiseTile
        let inputs = sources.count
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (inputs + steps.count) * tile)
        defer { scratch.deallocate() }
        var registers = [UnsafePointer<Float>](repeating: UnsafePointer(scratch), count: inputs + steps.count)
        for (i, source) in sources.enumerated() where source.period == 1 {
            (scratch + i * tile).initialize(repeating: source.base[0], count: tile)
        }
        var start = part.lowerBound
        while start < part.upperBound {
            let n = Swift.min(tile, part.upperBound - start)
            for (i, source) in sources.enumerated() {
                let buffer = scratch + i * tile
                if source.period == 1 {
                    registers[i] = UnsafePointer(buffer)
                } else if source.run == 1 && start + n <= source.period {
                    registers[i] = source.base + start
                } else {
                    gather(source, into: buffer, from: start, count: n)
                    registers[i] = UnsafePointer(buffer)
                }
            }
            for (k, step) in steps.enumerated() {
                let destination = k == steps.count - 1 ? output + start : scratch + (inputs + k) * tile
                apply(step, registers, destination, n)
                registers[inputs + k] = UnsafePointer(destination)
            }
            start += n
        }
    }

    /// Output elements start..<start+count of a broadcast source, written contiguously.
    private static func gather(_ source: ElementwiseSource, into buffer: UnsafeMutablePointer<Float>, from start: Int, count: Int) {
        var i = 0
        if source.run == 1 {
            var j = start % source.period
            while i < count {
                let chunk = Swift.min(count - i, source.period - j)
                (buffer + i).update(from: source.base + j, count: chunk)
                i += chunk
                j = 0
            }
            return
        }
        var q = start / source.run
        var r = start % source.run
        while i < count {
            let chunk = Swift.min(count - i, source.run - r)
            (buffer + i).update(repeating: source.base[q % source.period], count: chunk)
            i += chunk
            r = 0
            q += 1
        }
    }

    private static func apply(
        _ step: ElementwiseStep, _ registers: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        let a = registers[step.operands[0]]
        switch step.operation {
        case .add: binary(a, registers[step.operands[1]], y, n, { $0 + $1 }, { $0 + $1 })
        case .subtract: binary(a, registers[step.operands[1]], y, n, { $0 - $1 }, { $0 - $1 })
        case .multiply: binary(a, registers[step.operands[1]], y, n, { $0 * $1 }, { $0 * $1 })
        case .divide: binary(a, registers[step.operands[1]], y, n, { $0 / $1 }, { $0 / $1 })
        case .replaceNaN:
            binary(a, registers[step.operands[1]], y, n, { $0.replacing(with: $1, where: $0 .!= $0) }, { $0.isNaN ? $1 : $0 })
        case .negate: unary(a, y, n, { -$0 }, { -$0 })
        case .square: unary(a, y, n, { $0 * $0 }, { $0 * $0 })
        case .cube: unary(a, y, n, { $0 * $0 * $0 }, { $0 * $0 * $0 })
        case .squareRoot: unary(a, y, n, { $0.squareRoot() }, { $0.squareRoot() })
        case .reciprocal: unary(a, y, n, { 1 / $0 }, { 1 / $0 })
        case .activation(let f): activation(f, a, y, count: n)
        }
    }

    // a, b, y: n floats; the tail goes element by element (the same IEEE operation).
    @inline(__always)
    private static func binary(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
        _ vector: (Vector, Vector) -> Vector, _ scalar: (Float, Float) -> Float
    ) {
        var i = 0
        while i + lanes <= n {
            store(vector(load(a, i), load(b, i)), y, i)
            i += lanes
        }
        while i < n {
            y[i] = scalar(a[i], b[i])
            i += 1
        }
    }

    @inline(__always)
    private static func unary(
        _ a: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
        _ vector: (Vector) -> Vector, _ scalar: (Float) -> Float
    ) {
        var i = 0
        while i + lanes <= n {
            store(vector(load(a, i)), y, i)
            i += lanes
        }
        while i < n {
            y[i] = scalar(a[i])
            i += 1
        }
    }

    /// Reference: the program one element at a time, no tiles, threads or gathers (activations
    /// through the same vector code on single elements), so its results equal ``elementwise(_:sources:output:count:)``'s bit for bit.
    public static func elementwiseNaive(
        _ steps: [ElementwiseStep], sources: [ElementwiseSource], output: UnsafeMutablePointer<Float>, count: Int
    ) {
        var registers = [Float](repeating: 0, count: sources.count + steps.count)
        for i in 0..<count {
            for (k, source) in sources.enumerated() { registers[k] = source.base[(i / source.run) % source.period] }
            for (s, step) in steps.enumerated() {
                let x = registers[step.operands[0]]
                let y = step.operands.count > 1 ? registers[step.operands[1]] : 0
                let value: Float =
                    switch step.operation {
                    case .add: x + y
                    case .subtract: x - y
                    case .multiply: x * y
                    case .divide: x / y
                    case .replaceNaN: x.isNaN ? y : x
                    case .negate: -x
                    case .square: x * x
                    case .cube: x * x * x
                    case .squareRoot: x.squareRoot()
                    case .reciprocal: 1 / x
                    case .activation(let f): singleActivation(f, x)
                    }
                registers[sources.count + s] = value
            }
            output[i] = registers[sources.count + steps.count - 1]
        }
    }

    private static func singleActivation(_ f: Activation, _ x: Float) -> Float {
        var input = x
        var result: Float = 0
        activation(f, &input, &result, count: 1)
        return result
    }
}
