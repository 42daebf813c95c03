import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        shape.count == ranges.count
            && zip(ranges, shape).allSatisfy { $0.lowerBound == 0 && $0.upperBound == $1 }
    }

    /// The smallest box holding both (same rank).
    public func union(_ other: Box) -> Box {
        precondition(rank == other.rank, "union of boxes of ranks \(rank) and \(other.rank)")
        return Box(
            zip(ranges, other.ranges).map {
                Swift.min($0.lowerBound, $1.lowerBound)..<Swift.max($0.upperBound, $1.upperBound)
            })
    }

    public func contains(_ other: Box) -> Bool {
        rank == other.rank
            && zip(ranges, other.ranges).allSatisfy {
                $0.lowerBound <= $1.lowerBound && $1.upperBound <= $0.upperBound
            }
    }

    public func intersects(_ other: Box) -> Bool {
        rank == other.rank && zip(ranges, other.ranges).allSatisfy { $0.overlaps($1) }
    }

    /// The common part, or nil when there is none.
    public func intersection(_ other: Box) -> Box? {
        guard rank == other.rank else { return nil }
        var result: [Swift.Range<Int>] = []
        for (a, b) in zip(ranges, other.ranges) {
            let lower = Swift.max(a.lowerBound, b.lowerBound)
            let upper = Swift.min(a.upperBound, b.upperBound)
            guard lower < upper else { return nil }
            result.append(lower..<upper)
        }
        return Box(result)
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
        overriding overridden: [ValueID], fetching: [(ValueID, Box?)], base: PlanEnvironment,
        regions: Bool = true
    ) throws(InterpreterError) -> IncrementalRun {
        try IncrementalRun(
            plan: self, overridden: overridden, fetching: fetching, base: base, regions: regions)
    }
}

/// Re-runs of a plan from a saved environment with some values overridden.
///
/// Three savings, each exact:
/// - only the steps downstream of the overridden values run; everything else is read from the
///   base run;
/// - each step computes only the region of its outputs that the fetched regions need (the
///   *needed* boxes, traced backwards once when the run is prepared, see ``RegionRules``);
/// - of that, only the region that can differ from the base (the *changed* boxes, traced
///   forwards from the override's changed region on every run, then narrowed to where the
///   result really differs from the base). With causal attention, patching position p leaves
///   every position before p as it was, and the re-run computes positions p… only.
///
/// The schedule depends only on which values are overridden and on the base run's shapes, so
/// one ``IncrementalRun`` serves every override of the same values.
public final class IncrementalRun {
    struct Item {
        var step: Int
        var context: RegionContext
        /// What the step computes when everything it needs has changed.
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
    let restrict: Bool
    /// Number of steps downstream of the overridden values (before dropping unneeded ones).
    public let dirtySteps: Int

    init(plan: Plan, overridden: [ValueID], fetching: [(ValueID, Box?)], base: PlanEnvironment, regions: Bool)
        throws(InterpreterError)
    {
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
            let folded = graph.nodes.indices.contains {
                !stepNodes.contains($0) && graph.nodes[$0].inputs.contains(value)
            }
            if folded {
                throw .inputMismatch(
                    name: name, message: "is read by constants folded into the plan; it cannot be overridden")
            }
            shapes[value.index] = tensor.shape
        }
        self.shapes = shapes
        let overriddenSet = Set(overridden.map(\.index))
        self.overridden = overriddenSet
        for (value, box) in fetching {
            guard let tensor = base[value] else {
                throw .graph(.undefinedOutput(value: graph.values[value.index].name))
            }
            if let box, !Box.whole(tensor.shape).contains(box) {
                throw .inputMismatch(
                    name: graph.values[value.index].name,
                    message: "fetched region \(box) is outside its shape \(tensor.shape)")
            }
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
        let restrict =
            regions
            && !downstream.contains {
                Plan.dataDependentShape.contains(graph.nodes[plan.steps[$0].node].opType)
            }
        self.restrict = restrict

        // Needed regions, backwards from the fetches. A nil entry of `needed` means not needed.
        var needed: [Int: Box] = [:]
        func need(_ value: Int, _ box: Box?) {
            guard dirty.contains(value), !overriddenSet.contains(value), let shape = base.values[value]?.shape
            else { return }
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
                constants: step.inputs.map { input in
                    input.flatMap { dirty.contains($0) ? nil : base.values[$0] }
                })
            let mapping =
                restrict
                ? RegionRules.map(context, needed: wanted) : RegionRules.whole(context, needed: wanted)
            for (k, box) in mapping.outputs.enumerated() where box != nil { needed[step.outputs[k]] = box }
            for (i, input) in step.inputs.enumerated() {
                guard let input else { continue }
                need(input, mapping.inputs.indices.contains(i) ? mapping.inputs[i] : nil)
            }
            scheduled.append(Item(step: s, context: context, mapping: mapping, frees: []))
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

    /// Steps a re-run executes at most.
    public var stepCount: Int { items.count }

    /// What the last ``run(base:overrides:changed:)`` computed.
    public struct Statistics: Sendable, Equatable {
        /// Steps that ran.
        public var steps = 0
        /// Elements of their outputs.
        public var elements = 0
    }

    public private(set) var lastStatistics = Statistics()

    /// A value that differs from the base: `tensor` holds its region `box`, and outside
    /// `changed` (inside `box`) it equals the base.
    struct Held {
        var tensor: Tensor
        var box: Box
        var changed: Box
    }

    /// Re-runs with `overrides` in place of the base's values and returns each fetched value's
    /// requested box (a tensor of the box's shape).
    ///
    /// - Parameters:
    ///   - base: The run the plan was prepared from.
    ///   - overrides: A value for every overridden value.
    ///   - changed: Where each override may differ from the base (default: anywhere); what
    ///     lies outside must equal the base.
    ///   - profile: Collects time per op type, and as `(read regions)`, `(find changes)` and
    ///     `(trace regions)` the time spent around the ops.
    public func run(
        base: PlanEnvironment, overrides: [ValueID: Tensor], changed: [ValueID: Box] = [:],
        profile: Profile? = nil
    ) throws(InterpreterError) -> [ValueID: Tensor] {
        let graph = plan.graph
        var held: [Int: Held] = [:]
        for (value, tensor) in overrides {
            let name = graph.values[value.index].name
            guard overridden.contains(value.index), let shape = shapes[value.index],
                let original = base[value]
            else {
                throw .inputMismatch(
                    name: name, message: "this incremental run was not prepared to override it")
            }
            guard tensor.shape == shape, tensor.dtype == original.dtype else {
                throw .inputMismatch(
                    name: name,
                    message:
                        "override is \(tensor.dtype)\(shape == tensor.shape ? "" : "\(tensor.shape)"), expected \(original.dtype.name)\(shape)"
                )
            }
            let whole = Box.whole(shape)
            let region = changed[value] ?? whole
            guard region.rank == shape.count, whole.contains(region) else {
                throw .inputMismatch(
                    name: name, message: "changed region \(region) is outside shape \(shape)")
            }
            if let differs = BoxCopy.changed(tensor, at: whole, within: region, from: original) {
                held[value.index] = Held(tensor: tensor, box: whole, changed: differs)
            }
        }
        for value in overridden where overrides[ValueID(value)] == nil {
            throw .inputMismatch(name: graph.values[value].name, message: "no override given")
        }

        func read(_ value: Int, _ box: Box?, for node: Node) throws(InterpreterError) -> Tensor {
            // Whole values (all of them when shapes may change, see `restrict`) as they are.
            if let entry = held[value], box == nil || box == entry.box, !restrict || box != nil {
                return entry.tensor
            }
            guard let original = base.values[value] else {
                throw .node(
                    name: node.name, opType: node.opType,
                    message: "input '\(graph.values[value].name)' is not available")
            }
            let box = box ?? Box.whole(original.shape)
            // Held tensors are regions of the base's shape, or (not restricting) whole values.
            let shape = restrict ? original.shape : held[value]?.tensor.shape ?? original.shape
            guard Box.whole(shape).contains(box) else {
                throw .node(
                    name: node.name, opType: node.opType,
                    message: "region \(box) of '\(graph.values[value].name)' is outside its shape \(shape)")
            }
            do {
                guard let entry = held[value], box.intersects(entry.changed) else {
                    return try original.region(box)
                }
                if entry.box == box { return entry.tensor }
                if entry.box.contains(box) {
                    return try BoxCopy.extract(box, from: entry.tensor, at: entry.box)
                }
                // Partly changed, partly as in the base: the base's box with the held part over it.
                var composed = try original.region(box)
                BoxCopy.overwrite(&composed, at: box, with: entry.tensor, at: entry.box)
                return composed
            } catch {
                throw .node(
                    name: node.name, opType: node.opType,
                    message: "region \(box) of '\(graph.values[value].name)': \(error)")
            }
        }

        var statistics = Statistics()
        for item in items {
            let step = plan.steps[item.step]
            let changedInputs = step.inputs.map { $0.flatMap { held[$0]?.changed } }
            guard changedInputs.contains(where: { $0 != nil }) else { continue }
            var clock = profile.map { _ in Profile.now() } ?? 0
            func lap(_ what: String) {
                guard let profile else { return }
                let now = Profile.now()
                profile.add(what, seconds: now - clock)
                clock = now
            }
            // What to compute: the needed part of what can change.
            let reach =
                restrict
                ? RegionRules.forward(item.context, changed: changedInputs)
                : item.mapping.outputs.map { $0 == nil ? nil : $0 }
            var wanted: [Box?] = []
            for (k, box) in item.mapping.outputs.enumerated() {
                wanted.append(box.flatMap { needed in reach[k].flatMap { needed.intersection($0) } })
            }
            guard wanted.contains(where: { $0 != nil }) else { continue }
            let mapping =
                restrict && wanted != item.mapping.outputs
                ? RegionRules.map(item.context, needed: wanted) : item.mapping
            let node = item.context.node
            lap("(trace regions)")
            var args: [Tensor?] = []
            args.reserveCapacity(step.inputs.count)
            for (i, input) in step.inputs.enumerated() {
                guard let input else {
                    args.append(nil)
                    continue
                }
                args.append(
                    try read(input, mapping.inputs.indices.contains(i) ? mapping.inputs[i] : nil, for: node))
            }
            lap("(read regions)")
            let outputs = try mapping.execute(step.op, args, node: node)
            lap(node.opType)
            defer { lap("(find changes)") }
            statistics.steps += 1
            statistics.elements += outputs.reduce(0) { $0 + ($1?.count ?? 0) }
            for (k, value) in step.outputs.enumerated() {
                guard let box = mapping.outputs[k], wanted[k] != nil else { continue }
                guard k < outputs.count, let output = outputs[k] else {
                    throw .node(name: node.name, opType: node.opType, message: "output \(k) was not produced")
                }
                if !restrict {
                    // Whole outputs, whose shapes may differ from the base's.
                    let whole = Box.whole(output.shape)
                    if let original = base.values[value], original.shape == output.shape {
                        if let differs = BoxCopy.changed(output, at: whole, within: whole, from: original) {
                            held[value] = Held(tensor: output, box: whole, changed: differs)
                        }
                    } else {
                        held[value] = Held(tensor: output, box: whole, changed: whole)
                    }
                    continue
                }
                guard output.shape == box.shape else {
                    throw .node(
                        name: node.name, opType: node.opType,
                        message:
                            "region \(box) computed as shape \(output.shape) (internal error in region rules)"
                    )
                }
                // Keep only what really differs from the base (masked attention leaves earlier
                // positions exactly as they were).
                if let original = base.values[value] {
                    if let differs = BoxCopy.changed(output, at: box, within: box, from: original) {
                        held[value] = Held(tensor: output, box: box, changed: differs)
                    }
                } else {
                    held[value] = Held(tensor: output, box: box, changed: box)
                }
            }
            for value in item.frees { held[value] = nil }
        }
        lastStatistics = statistics

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
    /// Copies the part of `source` (holding region `sourceBox`) that lies in `box` into
    /// `destination` (holding region `box`).
    static func overwrite(_ destination: inout Tensor, at box: Box, with source: Tensor, at sourceBox: Box) {
        precondition(
            destination.shape == box.shape && source.shape == sourceBox.shape
                && destination.dtype == source.dtype)
        guard let common = box.intersection(sourceBox) else { return }
        let from = Shape.strides(source.shape)
        let to = Shape.strides(destination.shape)
        var sourceOffset = 0
        var destinationOffset = 0
        for axis in 0..<box.rank {
            sourceOffset += (common.ranges[axis].lowerBound - sourceBox.ranges[axis].lowerBound) * from[axis]
            destinationOffset += (common.ranges[axis].lowerBound - box.ranges[axis].lowerBound) * to[axis]
        }
        let size = source.dtype.byteSize
        StridedCopy.withBuffers(source, &destination) { s, d in
            StridedCopy.copy(
                shape: common.shape, elementSize: size, from: s + sourceOffset * size, strides: from,
                to: d + destinationOffset * size, strides: to)
        }
    }

    /// The bounding box of the elements in `within` (inside `box`) where `tensor`, holding
    /// region `box`, differs bitwise from the whole tensor `base`; nil when it differs nowhere.
    static func changed(_ tensor: Tensor, at box: Box, within: Box, from base: Tensor) -> Box? {
        precondition(tensor.shape == box.shape && box.contains(within) && Box.whole(base.shape).contains(box))
        guard tensor.dtype == base.dtype else { return within }
        let rank = box.rank
        let size = tensor.dtype.byteSize
        if within.ranges.contains(where: { $0.isEmpty }) { return nil }
        guard rank > 0 else {
            return tensor.withUnsafeRawBytes { t in
                base.withUnsafeRawBytes { b in
                    guard let pt = t.baseAddress, let pb = b.baseAddress else { return nil }
                    return memcmp(pt, pb, size) == 0 ? nil : within
                }
            }
        }
        let tensorStrides = Shape.strides(tensor.shape)
        let baseStrides = Shape.strides(base.shape)
        let inner = within.ranges[rank - 1]
        var lower = [Int](repeating: Int.max, count: rank)
        var upper = [Int](repeating: Int.min, count: rank)
        var index = within.ranges.map(\.lowerBound)
        tensor.withUnsafeRawBytes { t in
            base.withUnsafeRawBytes { b in
                guard let pt = t.baseAddress, let pb = b.baseAddress else { return }
                while true {
                    var tensorOffset = inner.lowerBound - box.ranges[rank - 1].lowerBound
                    var baseOffset = inner.lowerBound
                    for axis in 0..<(rank - 1) {
                        tensorOffset += (index[axis] - box.ranges[axis].lowerBound) * tensorStrides[axis]
                        baseOffset += index[axis] * baseStrides[axis]
                    }
                    let row = pt + tensorOffset * size
                    let baseRow = pb + baseOffset * size
                    if memcmp(row, baseRow, inner.count * size) != 0 {
                        var first = 0
                        var last = inner.count - 1
                        while memcmp(row + first * size, baseRow + first * size, size) == 0 { first += 1 }
                        while memcmp(row + last * size, baseRow + last * size, size) == 0 { last -= 1 }
                        for axis in 0..<(rank - 1) {
                            lower[axis] = Swift.min(lower[axis], index[axis])
                            upper[axis] = Swift.max(upper[axis], index[axis])
                        }
                        lower[rank - 1] = Swift.min(lower[rank - 1], inner.lowerBound + first)
                        upper[rank - 1] = Swift.max(upper[rank - 1], inner.lowerBound + last)
                    }
                    // Next row of `within`.
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < within.ranges[axis].upperBound { break }
                        index[axis] = within.ranges[axis].lowerBound
                        axis -= 1
                    }
                    if axis < 0 { break }
                }
            }
        }
        guard lower[0] != Int.max else { return nil }
        return Box((0..<rank).map { lower[$0]..<(upper[$0] + 1) })
    }

    /// The elements of `box` (in the coordinates of the whole tensor) from `tensor`, which holds
    /// the region `holding`. With `steps` (default 1) axis `a` takes `box.ranges[a].count`
    /// elements from `box.ranges[a].lowerBound` on, `steps[a]` apart.
    static func extract(_ box: Box, from tensor: Tensor, at holding: Box, steps: [Int]? = nil)
        throws(TensorError) -> Tensor
    {
        precondition(
            box.rank == holding.rank && tensor.shape == holding.shape, "box \(box) outside \(holding)")
        let steps = steps ?? [Int](repeating: 1, count: box.rank)
        var lengths: [Int] = []
        var offset = 0
        let strides = Shape.strides(tensor.shape)
        var sourceStrides: [Int] = []
        for axis in 0..<box.rank {
            let start = box.ranges[axis].lowerBound - holding.ranges[axis].lowerBound
            let length = box.ranges[axis].count
            precondition(
                start >= 0 && (length == 0 || start + (length - 1) * steps[axis] < tensor.shape[axis]),
                "box \(box) outside \(holding)")
            lengths.append(length)
            offset += start * strides[axis]
            sourceStrides.append(strides[axis] * steps[axis])
        }
        var out = try Tensor(uninitialized: tensor.dtype, shape: lengths)
        let size = tensor.dtype.byteSize
        StridedCopy.withBuffers(tensor, &out) { source, destination in
            StridedCopy.copy(
                shape: lengths, elementSize: size, from: source + offset * size, strides: sourceStrides,
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
        precondition(
            source.shape == shape && source.dtype == dtype && Box.whole(shape).contains(box),
            "replacing \(box) of \(dtype)\(shape) from \(source.dtype)\(source.shape)")
        var out = self
        let strides = Shape.strides(shape)
        let offset = zip(box.ranges, strides).reduce(0) { $0 + $1.0.lowerBound * $1.1 }
        let size = dtype.byteSize
        StridedCopy.withBuffers(source, &out) { from, to in
            StridedCopy.copy(
                shape: box.shape, elementSize: size, from: from + offset * size, strides: strides,
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
