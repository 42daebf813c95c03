#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GraphIR
import TensorCore

/// Every value of one run, kept: the cache an ``IncrementalRun`` reads everything it does not
/// recompute from.
public struct PlanEnvironment: Sendable {
    /// By value index; nil for optional outputs that were not produced.
    let values: [Tensor?]

    public subscript(value: ValueID) -> Tensor? {
        values.indices.contains(value.index) ? values[value.index] : nil
    }
}

/// A hyper-rectangle of a tensor: one index range per axis.
public struct Box: Hashable, Sendable, CustomStringConvertible {
    public var ranges: [Swift.Range<Int>]

    public init(_ ranges: [Swift.Range<Int>]) { self.ranges = ranges }

    /// Every element of a tensor of `shape`.
    public static func whole(_ shape: [Int]) -> Box { Box(shape.map { 0..<$0 }) }

    public var shape: [Int] { ranges.map(\.count) }
    public var rank: Int { ranges.count }

    public func isWhole(of shape: [Int]) -> Bool {
        shape.count == ranges.count && zip(ranges, shape).allSatisfy { $0.lowerBound == 0 && $0.upperBound == $1 }
    }

    /// The smallest box holding both (same rank).
    public func union(_ other: Box) -> Box {
        precondition(rank == other.rank, "union of boxes of ranks \(rank) and \(other.rank)")
        return Box(zip(ranges, other.ranges).map {
            Swift.min($0.lowerBound, $1.lowerBound)..<Swift.max($0.upperBound, $1.upperBound)
        })
    }

    public func contains(_ other: Box) -> Bool {
        rank == other.rank && zip(ranges, other.ranges).allSatisfy {
            $0.lowerBound <= $1.lowerBound && $1.upperBound <= $0.upperBound
        }
    }

    /// This box with axis `axis` replaced by `range`.
    func replacing(_ axis: Int, with range: Swift.Range<Int>) -> Box {
        var copy = self
        copy.ranges[axis] = range
        return copy
    }

    public var description: String {
        "[" + ranges.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: ", ") + "]"
    }
}

extension Plan {
    /// Runs the plan like ``run(_:profile:)`` but frees nothing, and returns every value.
    public func runKeepingAll(_ feeds: [ValueID: Tensor]) throws(InterpreterError) -> PlanEnvironment {
        PlanEnvironment(values: try execute(feeds, profile: nil, keepingAll: true))
    }

    /// Prepares re-runs that override `overridden` values of a saved run and recompute only
    /// what depends on them, and of that only the regions `fetching` asks for.
    ///
    /// - Parameters:
    ///   - overridden: Values the re-runs replace (same shape and dtype as in `base`).
    ///   - fetching: The values a re-run returns, each with the box of it wanted (nil: whole).
    ///   - base: A run of this plan (``runKeepingAll(_:)``); its shapes fix the regions.
    ///   - regions: When false every recomputed step computes its whole outputs.
    /// - Throws: when an overridden value is a constant folded into the plan (its consumers
    ///   are gone) or a fetched value is missing from `base`.
    public func incremental(
        overriding overridden: [ValueID], fetching: [(ValueID, Box?)], base: PlanEnvironment, regions: Bool = true
    ) throws(InterpreterError) -> IncrementalRun {
        try IncrementalRun(plan: self, overridden: overridden, fetching: fetching, base: base, regions: regions)
    }
}

/// Re-runs of a plan from a saved environment with some values overridden: only the steps
/// downstream of the overridden values run, and each computes only the region of its outputs
/// that the fetched regions need (see ``RegionRules``); everything else is read from the base.
///
/// The schedule depends only on which values are overridden and on the base run's shapes, so
/// one ``IncrementalRun`` serves every override of the same values.
public final class IncrementalRun {
    struct Item {
        var step: Int
        var mapping: RegionMapping
        /// Recomputed values whose last reader is this item.
        var frees: [Int]
    }

    let plan: Plan
    let overridden: Set<Int>
    let items: [Item]
    let fetches: [(value: Int, box: Box?)]
    /// Shapes of the overridden values in the base run; overrides must keep them.
    let shapes: [Int: [Int]]
    /// Number of steps downstream of the overridden values (before dropping unneeded ones).
    public let dirtySteps: Int

    init(plan: Plan, overridden: [ValueID], fetching: [(ValueID, Box?)], base: PlanEnvironment, regions: Bool) throws(InterpreterError) {
        self.plan = plan
        let graph = plan.graph
        // Nodes folded at plan time are no steps: a constant they read cannot be overridden.
        let stepNodes = Set(plan.steps.map(\.node))
        var shapes: [Int: [Int]] = [:]
        for value in overridden {
            let name = graph.values[value.index].name
            guard let tensor = base[value] else {
                throw .inputMismatch(name: name, message: "the base run holds no value to override")
            }
            let folded = graph.nodes.indices.contains { !stepNodes.contains($0) && graph.nodes[$0].inputs.contains(value) }
            if folded {
                throw .inputMismatch(name: name, message: "is read by constants folded into the plan; it cannot be overridden")
            }
            shapes[value.index] = tensor.shape
        }
        self.shapes = shapes
        let overriddenSet = Set(overridden.map(\.index))
        self.overridden = overriddenSet
        for (value, _) in fetching where base[value] == nil && !overriddenSet.contains(value.index) {
            throw .graph(.undefinedOutput(value: graph.values[value.index].name))
        }
        let fetches = fetching.map { (value: $0.0.index, box: $0.1) }
        self.fetches = fetches

        // Steps downstream of the overrides, in plan order. Shape and Size read only shapes,
        // which overrides keep.
        var dirty = overriddenSet
        var downstream: [Int] = []
        for (s, step) in plan.steps.enumerated() {
            let node = graph.nodes[step.node]
            if (node.opType == "Shape" || node.opType == "Size") && node.domain.isEmpty { continue }
            guard step.inputs.contains(where: { $0.map { dirty.contains($0) } ?? false }) else { continue }
            downstream.append(s)
            dirty.formUnion(step.outputs)
        }
        self.dirtySteps = downstream.count
        // Data-dependent output shapes would invalidate regions computed from the base's shapes.
        let restrict = regions && !downstream.contains { Plan.dataDependentShape.contains(graph.nodes[plan.steps[$0].node].opType) }

        // Needed regions, backwards from the fetches. A nil entry of `needed` means not needed.
        var needed: [Int: Box] = [:]
        func need(_ value: Int, _ box: Box?) {
            guard dirty.contains(value), !overriddenSet.contains(value), let shape = base.values[value]?.shape else { return }
            let box = box ?? Box.whole(shape)
            needed[value] = needed[value].map { $0.union(box) } ?? box
        }
        for (value, box) in fetches { need(value, box) }
        var scheduled: [Item] = []
        for s in downstream.reversed() {
            let step = plan.steps[s]
            let wanted = step.outputs.map { needed[$0] }
            guard wanted.contains(where: { $0 != nil }) else { continue }
            let node = graph.nodes[step.node]
            let context = RegionContext(
                node: node, opset: graph.opset(for: node.domain) ?? 0,
                inputShapes: step.inputs.map { $0.flatMap { base.values[$0]?.shape } },
                outputShapes: step.outputs.map { base.values[$0]?.shape },
                constant: { i in
                    guard i < step.inputs.count, let v = step.inputs[i], !dirty.contains(v) else { return nil }
                    return base.values[v]
                })
            let mapping = restrict ? RegionRules.map(context, needed: wanted) : RegionRules.whole(context, needed: wanted)
            for (k, box) in mapping.outputs.enumerated() where box != nil { needed[step.outputs[k]] = box }
            for (i, input) in step.inputs.enumerated() {
                guard let input else { continue }
                need(input, mapping.inputs.indices.contains(i) ? mapping.inputs[i] : nil)
            }
            scheduled.append(Item(step: s, mapping: mapping, frees: []))
        }
        scheduled.reverse()

        // Free each recomputed value after its last reader (fetched values stay).
        let kept = Set(fetches.map(\.value))
        var lastUse: [Int: Int] = [:]
        for (i, item) in scheduled.enumerated() {
            let step = plan.steps[item.step]
            for case let input? in step.inputs where dirty.contains(input) { lastUse[input] = i }
        }
        for (value, i) in lastUse where !kept.contains(value) { scheduled[i].frees.append(value) }
        self.items = scheduled
    }

    /// Steps a re-run executes.
    public var stepCount: Int { items.count }

    /// Re-runs with `overrides` in place of the base's values and returns each fetched value's
    /// requested box (a tensor of the box's shape).
    public func run(base: PlanEnvironment, overrides: [ValueID: Tensor]) throws(InterpreterError) -> [ValueID: Tensor] {
        let graph = plan.graph
        var computed: [Int: (tensor: Tensor, box: Box)] = [:]
        for (value, tensor) in overrides {
            let name = graph.values[value.index].name
            guard overridden.contains(value.index), let shape = shapes[value.index] else {
                throw .inputMismatch(name: name, message: "this incremental run was not prepared to override it")
            }
            guard tensor.shape == shape, tensor.dtype == base[value]?.dtype else {
                throw .inputMismatch(name: name, message: "override is \(tensor.dtype)\(tensor.shape), expected \(base[value]?.dtype.name ?? "?")\(shape)")
            }
            computed[value.index] = (tensor, Box.whole(shape))
        }
        for value in overridden where computed[value] == nil {
            throw .inputMismatch(name: graph.values[value].name, message: "no override given")
        }

        func read(_ value: Int, _ box: Box?, for node: Node) throws(InterpreterError) -> Tensor {
            let source: (tensor: Tensor, box: Box)
            if let entry = computed[value] {
                source = entry
            } else if let tensor = base.values[value] {
                source = (tensor, Box.whole(tensor.shape))
            } else {
                throw .node(name: node.name, opType: node.opType, message: "input '\(graph.values[value].name)' is not available")
            }
            guard let box, box != source.box else { return source.tensor }
            do {
                return try BoxCopy.extract(box, from: source.tensor, at: source.box)
            } catch {
                throw .node(name: node.name, opType: node.opType, message: "region \(box) of '\(graph.values[value].name)': \(error)")
            }
        }

        for item in items {
            let step = plan.steps[item.step]
            let node = graph.nodes[step.node]
            var args: [Tensor?] = []
            args.reserveCapacity(step.inputs.count)
            for (i, input) in step.inputs.enumerated() {
                guard let input else { args.append(nil); continue }
                args.append(try read(input, item.mapping.inputs.indices.contains(i) ? item.mapping.inputs[i] : nil, for: node))
            }
            let outputs = try item.mapping.execute(step.op, args, node: node)
            for (k, value) in step.outputs.enumerated() {
                guard let box = item.mapping.outputs[k] else { continue }
                guard k < outputs.count, let output = outputs[k] else {
                    throw .node(name: node.name, opType: node.opType, message: "output \(k) was not produced")
                }
                guard output.shape == box.shape else {
                    throw .node(name: node.name, opType: node.opType,
                                message: "region \(box) computed as shape \(output.shape) (internal error in region rules)")
                }
                computed[value] = (output, box)
            }
            for value in item.frees { computed[value] = nil }
        }

        var result: [ValueID: Tensor] = [:]
        for (value, box) in fetches {
            let node = Node(name: graph.values[value].name, opType: "fetch", inputs: [], outputs: [])
            result[ValueID(value)] = try read(value, box, for: node)
        }
        return result
    }
}

/// Copies between a tensor holding a box of a larger tensor and a sub-box of it.
enum BoxCopy {
    /// The elements of `box` (in the coordinates of the whole tensor) from `tensor`, which holds
    /// the region `holding`. With `steps` (default 1) axis `a` takes `box.ranges[a].count`
    /// elements from `box.ranges[a].lowerBound` on, `steps[a]` apart.
    static func extract(_ box: Box, from tensor: Tensor, at holding: Box, steps: [Int]? = nil) throws(TensorError) -> Tensor {
        precondition(box.rank == holding.rank && tensor.shape == holding.shape, "box \(box) outside \(holding)")
        let steps = steps ?? [Int](repeating: 1, count: box.rank)
        var lengths: [Int] = []
        var offset = 0
        let strides = Shape.strides(tensor.shape)
        var sourceStrides: [Int] = []
        for axis in 0..<box.rank {
            let start = box.ranges[axis].lowerBound - holding.ranges[axis].lowerBound
            let length = box.ranges[axis].count
            precondition(start >= 0 && (length == 0 || start + (length - 1) * steps[axis] < tensor.shape[axis]),
                         "box \(box) outside \(holding)")
            lengths.append(length)
            offset += start * strides[axis]
            sourceStrides.append(strides[axis] * steps[axis])
        }
        var out = try Tensor(uninitialized: tensor.dtype, shape: lengths)
        let size = tensor.dtype.byteSize
        StridedCopy.withBuffers(tensor, &out) { source, destination in
            StridedCopy.copy(shape: lengths, elementSize: size, from: source + offset * size, strides: sourceStrides,
                             to: destination, strides: Shape.strides(lengths))
        }
        return out
    }
}

extension Tensor {
    /// The elements of `box` as a tensor of the box's shape.
    public func region(_ box: Box) throws(TensorError) -> Tensor {
        precondition(Box.whole(shape).contains(box), "box \(box) outside shape \(shape)")
        return box.isWhole(of: shape) ? self : try BoxCopy.extract(box, from: self, at: Box.whole(shape))
    }

    /// This tensor with the elements of `box` taken from `source`, a tensor of the same shape
    /// and dtype.
    public func replacing(_ box: Box, from source: Tensor) throws(TensorError) -> Tensor {
        precondition(source.shape == shape && source.dtype == dtype && Box.whole(shape).contains(box),
                     "replacing \(box) of \(dtype)\(shape) from \(source.dtype)\(source.shape)")
        var out = self
        let strides = Shape.strides(shape)
        let offset = zip(box.ranges, strides).reduce(0) { $0 + $1.0.lowerBound * $1.1 }
        let size = dtype.byteSize
        StridedCopy.withBuffers(source, &out) { from, to in
            StridedCopy.copy(shape: box.shape, elementSize: size, from: from + offset * size, strides: strides,
                             to: to + offset * size, strides: strides)
        }
        return out
    }

    /// Whether both hold the same dtype, shape and bytes.
    public func isBitwiseEqual(to other: Tensor) -> Bool {
        guard dtype == other.dtype, shape == other.shape else { return false }
        return withUnsafeRawBytes { a in
            other.withUnsafeRawBytes { b in
                guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
                return memcmp(pa, pb, a.count) == 0
            }
        }
    }
}
