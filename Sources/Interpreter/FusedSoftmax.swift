import GraphIR
import Kernels
import TensorCore

/// A Softmax with the elementwise chain before it and the NaN guard after it, run as one step
/// (made by ``Plan/fuseSoftmaxes(_:chains:fetched:)``).
///
/// Fast path: the chain's inputs float32 and broadcasting as ``FusedElementwise``'s fast path
/// needs, the softmax along the last axis, the guard's replacement one float32; then
/// ``Kernels/softmax(program:sources:_:rows:length:nanReplacement:)``, bitwise equal to the
/// three ops. Anything else runs the chain, the Softmax and the guard one after the other.
struct FusedSoftmax: Operator {
    let prologue: FusedElementwise?
    let softmax: any Operator
    let softmaxNode: Node
    let epilogue: FusedElementwise?
    /// Inputs before this index feed the prologue (or are the Softmax's input).
    let prologueInputs: Int
    /// The softmax's `axis` attribute and whether it coerces to 2-D (opset < 13).
    let axis: Int
    let flattens: Bool

    init(_ fusion: Plan.SoftmaxFusion, ops: [any Operator], opset: Int) throws {
        let prologueCount = fusion.prologue?.members.count ?? 0
        prologue = fusion.prologue.map { FusedElementwise($0, ops: Array(ops.prefix(prologueCount))) }
        softmax = ops[prologueCount]
        softmaxNode = fusion.softmax
        epilogue = fusion.epilogue.map { FusedElementwise($0, ops: Array(ops.dropFirst(prologueCount + 1))) }
        prologueInputs = fusion.prologue?.inputs.count ?? 1
        flattens = opset < 13
        axis = try fusion.softmax.int("axis", default: flattens ? 1 : -1)
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        if let output = try fused(inputs) { return [output] }
        var value = inputs.first ?? nil
        if let prologue { value = try prologue.callAsFunction(Array(inputs.prefix(prologueInputs))).first }
        do {
            value = try softmax.callAsFunction([value]).first
        } catch {
            throw FusedElementwise.MemberError(
                error: .node(name: softmaxNode.name, opType: softmaxNode.opType, message: Plan.message(error)))
        }
        if let epilogue { value = try epilogue.callAsFunction([value] + inputs.dropFirst(prologueInputs)).first }
        guard let value else { throw OpError("the fused softmax produced no output") }
        return [value]
    }

    /// The fast path, or nil when its conditions do not hold.
    private func fused(_ inputs: [Tensor?]) throws -> Tensor? {
        var replacement: Float?
        if epilogue != nil {
            guard inputs.count == prologueInputs + 1, let c = inputs[prologueInputs], c.dtype == .float32,
                c.count == 1
            else { return nil }
            replacement = c.scalars(as: Float.self)[0]
        }
        guard let operands = FusedElementwise.FastOperands(inputs, count: prologue?.operandCount ?? 1),
            let length = operands.shape.last,
            Shape.normalizeAxis(axis, rank: operands.shape.count) == operands.shape.count - 1,
            // Without a chain the Softmax's input is read in place: it must be the full tensor.
            prologue != nil || operands.tensors[0].shape == operands.shape
        else { return nil }
        let output = try ShapeSupport.allocate(.float32, operands.shape)
        guard output.count > 0 else { return output }
        operands.withSources { sources in
            Kernels.softmax(
                program: prologue?.steps ?? [], sources: sources, output.mutableElements(Float.self),
                rows: output.count / length, length: length, nanReplacement: replacement)
        }
        return output
    }
}
