import GraphIR
import Kernels
import TensorCore

/// Nodes run one after another, each reading the values its node reads: what a fused step runs
/// when its fast path does not apply, so results and errors are those of the separate nodes.
struct MemberGroup {
    struct Member {
        var op: any Operator
        var node: Node
    }

    let members: [Member]
    /// The fused step's inputs, in order.
    let inputs: [ValueID]

    init(_ fusion: Plan.ViewFusion, ops: [any Operator]) {
        members = zip(fusion.members, ops).map { Member(op: $1, node: $0) }
        inputs = fusion.inputs
    }

    /// The fused step's inputs by value.
    func values(_ args: [Tensor?]) -> [ValueID: Tensor] {
        var values: [ValueID: Tensor] = [:]
        for (value, tensor) in zip(inputs, args) { values[value] = tensor }
        return values
    }

    /// Runs every member and returns `output`.
    func run(_ args: [Tensor?], output: ValueID) throws -> Tensor {
        var values = values(args)
        for member in members {
            let outputs: [Tensor]
            do {
                outputs = try member.op.callAsFunction(member.node.inputs.map { $0.flatMap { values[$0] } })
            } catch {
                throw FusedElementwise.MemberError(
                    error: .node(name: member.node.name, opType: member.node.opType, message: Plan.message(error)))
            }
            for (value, tensor) in zip(member.node.outputs, outputs) { values[value] = tensor }
        }
        guard let result = values[output] else { throw OpError("the fused step produced no output") }
        return result
    }

    /// Where the end of `chain` lies in its source of shape `shape`, and the product of the
    /// chain's scales; nil when strides cannot express it or a scale is not one float32 that
    /// keeps the rank (the members then run, and report any error themselves).
    func follow(_ chain: Plan.ViewChain, from shape: [Int], _ values: [ValueID: Tensor]) -> (StridedView, Float)? {
        var view = StridedView(contiguous: shape)
        var scale: Float = 1
        for link in chain.links {
            switch link {
            case .view(let m, let output):
                let member = members[m]
                guard let op = member.op as? any ViewOperator,
                    let next = try? op.view(of: view, member.node.inputs.map { $0.flatMap { values[$0] } }, output: output)
                else { return nil }
                view = next
            case .scale(_, let scalar):
                guard let s = values[scalar], s.dtype == .float32, s.count == 1, s.rank <= view.shape.count else {
                    return nil
                }
                scale *= s.scalars(as: Float.self)[0]
            }
        }
        return (view, scale)
    }
}

/// A MatMul reading its operands through views and writing its result through a Transpose that
/// keeps the last axis (made by ``Plan/fuseMatMulViews(_:fetched:)``).
///
/// Fast path: both sources float32, both operands of rank ≥ 2, every view a matrix BLAS can read
/// (one of its two axes contiguous); then one sgemm per batch index with the leading dimensions
/// of the views and alpha the product of the chains' scales. That differs from multiplying
/// first by rounding only (within 1e-6 relative on attention scores). Anything else runs the
/// member nodes one after the other.
struct MatMulViews: Operator {
    let group: MemberGroup
    let chains: [Plan.ViewChain]
    let transposePerm: [Int]?
    let output: ValueID

    init(_ fusion: Plan.ViewFusion, ops: [any Operator]) {
        group = MemberGroup(fusion, ops: ops)
        chains = fusion.chains
        transposePerm = fusion.transposePerm
        output = fusion.output
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        if let result = try fused(inputs) { return [result] }
        return [try group.run(inputs, output: output)]
    }

    /// The fast path, or nil when its conditions do not hold.
    private func fused(_ inputs: [Tensor?]) throws -> Tensor? {
        guard chains.count == 2, inputs.count >= 2, let sourceA = inputs[0], let sourceB = inputs[1],
            sourceA.dtype == .float32, sourceB.dtype == .float32
        else { return nil }
        let values = group.values(inputs)
        guard let (viewA, scaleA) = group.follow(chains[0], from: sourceA.shape, values),
            let (viewB, scaleB) = group.follow(chains[1], from: sourceB.shape, values),
            viewA.shape.count >= 2, viewB.shape.count >= 2,
            let layout = try? MatMulLayout(viewA.shape, viewB.shape),
            layout.m > 0, layout.n > 0, layout.k > 0, layout.batch.allSatisfy({ $0 > 0 }),
            let matricesA = Self.matrices(viewA, batch: layout.batch),
            let matricesB = Self.matrices(viewB, batch: layout.batch)
        else { return nil }
        // The result: row-major in the Transpose's order, read back in the product's.
        let rank = layout.outputShape.count
        var shape = layout.outputShape
        var strides = Shape.strides(shape)
        if let perm = transposePerm {
            guard perm.count == rank else { return nil }
            shape = perm.map { layout.outputShape[$0] }
            let stored = Shape.strides(shape)
            for (p, axis) in perm.enumerated() { strides[axis] = stored[p] }
        }
        let resultView = StridedView(shape: layout.outputShape, strides: strides, offset: 0)
        guard let matricesC = Self.matrices(resultView, batch: layout.batch), !matricesC.transposed,
            [layout.m, layout.n, layout.k, matricesA.ld, matricesB.ld, matricesC.ld]
                .allSatisfy({ $0 <= Kernels.maxBLASDimension })
        else { return nil }
        let result = try ShapeSupport.allocate(.float32, shape)
        withExtendedLifetime((sourceA, sourceB)) {
            layout.runBatch(
                sourceA.elements(Float.self), matricesA, sourceB.elements(Float.self), matricesB,
                result.mutableElements(Float.self), matricesC, alpha: scaleA * scaleB,
                Kernels.sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:))
        }
        return result
    }

    /// How BLAS reads the matrices of `view` (its last two axes), broadcast over `batch`: rows
    /// or columns contiguous, rows (or columns) at least a row (column) apart; nil otherwise.
    static func matrices(_ view: StridedView, batch: [Int]) -> MatrixLayout? {
        let rank = view.shape.count
        let (rows, columns) = (view.shape[rank - 2], view.shape[rank - 1])
        let (rowStride, columnStride) = (view.strides[rank - 2], view.strides[rank - 1])
        var layout: MatrixLayout
        if columns == 1 || columnStride == 1, rows == 1 || rowStride >= columns {
            layout = MatrixLayout(offset: view.offset, batchStrides: [], ld: rows == 1 ? columns : rowStride, transposed: false)
        } else if rows == 1 || rowStride == 1, columns == 1 || columnStride >= rows {
            layout = MatrixLayout(offset: view.offset, batchStrides: [], ld: columns == 1 ? rows : columnStride, transposed: true)
        } else {
            return nil
        }
        // Batch axes aligned to the right; axes of length 1 (or missing) broadcast.
        let axes = rank - 2
        layout.batchStrides = batch.indices.map { i in
            let axis = i - (batch.count - axes)
            return axis >= 0 && view.shape[axis] != 1 ? view.strides[axis] : 0
        }
        return layout
    }
}

/// `Shape` of a value inside a fused product's chain, which is never made: the shape of the
/// chain's view of its source (the members run when the view cannot be followed).
struct ViewShape: Operator {
    let group: MemberGroup
    let chain: Plan.ViewChain
    let output: ValueID

    init(_ fusion: Plan.ViewFusion, ops: [any Operator]) {
        group = MemberGroup(fusion, ops: ops)
        chain = fusion.chains[0]
        output = fusion.output
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        if let source = inputs.first ?? nil, let shapeOp = group.members.last?.op as? ShapeOp,
            let (view, _) = group.follow(chain, from: source.shape, group.values(inputs))
        {
            return [shapeOp.dims(of: view.shape)]
        }
        return [try group.run(inputs, output: output)]
    }
}
