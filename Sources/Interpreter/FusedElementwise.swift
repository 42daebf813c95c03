import GraphIR
import Kernels
import TensorCore

/// A chain of elementwise nodes run as one step (made by ``Plan/fuseElementwiseChains(_:fetched:)``).
///
/// Fast path: every input float32 and broadcasting over the output in a way one flat index
/// describes (same shape, scalar, trailing axes, or repeated over trailing axes); then one
/// tiled, multi-threaded pass of ``Kernels/elementwise(_:sources:output:count:)``, bitwise equal
/// to the chain's own kernels. Anything else runs the chain's own ops one after the other, so
/// results and errors are exactly those of the unfused graph.
struct FusedElementwise: Operator {
    struct Member {
        var op: any Operator
        var node: Node
        /// Registers read, one per node input: 0..<inputs are the fused node's inputs, inputs + k
        /// member k's output.
        var inputs: [Int]
    }

    let steps: [Kernels.ElementwiseStep]
    let members: [Member]
    let inputCount: Int
    /// Inputs `0..<operandCount` are the steps' operands; the others (Pow's constant exponent)
    /// only the ops read.
    let operandCount: Int

    init(_ chain: Plan.FusedChain, ops: [any Operator]) {
        var register: [ValueID: Int] = [:]
        for (i, value) in chain.inputs.enumerated() { register[value] = i }
        var members: [Member] = []
        for (k, (node, op)) in zip(chain.members, ops).enumerated() {
            members.append(Member(op: op, node: node, inputs: node.inputs.map { $0.flatMap { register[$0] } ?? -1 }))
            register[node.outputs[0]] = chain.inputs.count + k
        }
        self.steps = chain.steps
        self.members = members
        self.inputCount = chain.inputs.count
        self.operandCount = chain.operandCount
    }

    /// A member op's failure, reported by the plan under the member's name.
    struct MemberError: Error {
        var error: InterpreterError
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        if let output = try fused(inputs) { return [output] }
        return [try oneByOne(inputs)]
    }

    /// The fast path, or nil when an input is not float32 or broadcasts in another pattern.
    private func fused(_ inputs: [Tensor?]) throws -> Tensor? {
        guard let operands = FastOperands(inputs, count: operandCount) else { return nil }
        let output = try ShapeSupport.allocate(.float32, operands.shape)
        guard output.count > 0 else { return output }
        operands.withSources { sources in
            Kernels.elementwise(steps, sources: sources, output: output.mutableElements(Float.self), count: output.count)
        }
        return output
    }

    /// The first `count` inputs when all are float32 and broadcast in a pattern one flat index
    /// describes (see ``layout(_:in:)``): what the fast paths of fused steps read.
    struct FastOperands {
        let tensors: [Tensor]
        /// The broadcast shape: the output's.
        let shape: [Int]
        let layouts: [(period: Int, run: Int)]

        init?(_ inputs: [Tensor?], count: Int) {
            let tensors = inputs.prefix(count).compactMap { $0 }
            guard tensors.count == count, tensors.allSatisfy({ $0.dtype == .float32 }),
                let shape = try? Shape.broadcast(tensors.map(\.shape))
            else { return nil }
            var layouts: [(period: Int, run: Int)] = []
            for tensor in tensors {
                guard let layout = FusedElementwise.layout(tensor.shape, in: shape) else { return nil }
                layouts.append(layout)
            }
            (self.tensors, self.shape, self.layouts) = (tensors, shape, layouts)
        }

        /// Calls `body` with the kernel's view of each operand, valid for the call.
        func withSources<R>(_ body: ([Kernels.ElementwiseSource]) -> R) -> R {
            withExtendedLifetime(tensors) {
                body(zip(tensors, layouts).map { tensor, layout in
                    Kernels.ElementwiseSource(base: tensor.elements(Float.self), period: layout.period, run: layout.run)
                })
            }
        }
    }

    /// How an input of `shape` is read at each flat index of `output`: aligned to the right, its
    /// axes must be 1 on the left, equal to the output's in the middle and 1 on the right.
    static func layout(_ shape: [Int], in output: [Int]) -> (period: Int, run: Int)? {
        let padded = [Int](repeating: 1, count: output.count - shape.count) + shape
        var axis = 0
        while axis < padded.count && padded[axis] == 1 { axis += 1 }
        var period = 1
        while axis < padded.count && padded[axis] == output[axis] {
            period *= output[axis]
            axis += 1
        }
        var run = 1
        while axis < padded.count && padded[axis] == 1 {
            run *= output[axis]
            axis += 1
        }
        guard axis == padded.count else { return nil }
        return period == 1 ? (1, 1) : (period, run)
    }

    /// The chain's own ops in order, each reading the tensors its node reads.
    private func oneByOne(_ inputs: [Tensor?]) throws -> Tensor {
        var registers = inputs + [Tensor?](repeating: nil, count: members.count)
        for (k, member) in members.enumerated() {
            let args = member.inputs.map { $0 >= 0 ? registers[$0] : nil }
            do {
                registers[inputCount + k] = try member.op.callAsFunction(args).first
            } catch {
                throw MemberError(error: .node(name: member.node.name, opType: member.node.opType, message: Plan.message(error)))
            }
        }
        guard let output = registers[inputCount + members.count - 1] else {
            throw OpError("the fused chain produced no output")
        }
        return output
    }
}
