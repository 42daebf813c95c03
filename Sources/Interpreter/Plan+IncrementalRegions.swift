import GraphIR
import TensorCore

/// What a region rule sees of one step: its node and the shapes (and constant inputs) of the
/// base run.
struct RegionContext {
    var node: Node
    var opset: Int
    var inputShapes: [[Int]?]
    var outputShapes: [[Int]?]
    /// Each input's value when it is not recomputed (a constant, a shape or an upstream value).
    var constants: [Tensor?]

    func constant(_ i: Int) -> Tensor? { i < constants.count ? constants[i] : nil }
}

/// How one step computes a region of its outputs: the boxes of its outputs it computes
/// (nil: not needed), the boxes of its inputs it reads (nil: whole), and how it runs on them.
struct RegionMapping {
    enum Execution {
        /// The op itself, on the input boxes: its output is the output box.
        case call
        /// The input box holds the output box's elements in order (Reshape and its kin).
        case reshape
        /// Each needed output box is cut from the input box; outputs start at `offsets` on `axis`.
        case split(axis: Int, offsets: [Int])
        /// The output box is the input box read `steps` apart.
        case slice(steps: [Int])
        /// Expand the input box to the output box's shape.
        case expand
    }

    var outputs: [Box?]
    var inputs: [Box?]
    var execution: Execution

    func execute(_ op: any Operator, _ args: [Tensor?], node: Node) throws(InterpreterError) -> [Tensor?] {
        func fail(_ error: any Error) -> InterpreterError {
            .node(name: node.name, opType: node.opType, message: "\(error)")
        }
        switch execution {
        case .call:
            return try Plan.call(op, args, node: node)
        case .reshape:
            guard let x = args.first ?? nil, let box = outputs.first ?? nil else { return [] }
            do { return [try x.reshaped(box.shape)] } catch { throw fail(error) }
        case .split(let axis, let offsets):
            guard let x = args.first ?? nil, let holding = inputs.first ?? nil else { return [] }
            var result: [Tensor?] = []
            for (k, box) in outputs.enumerated() {
                guard let box else {
                    result.append(nil)
                    continue
                }
                let shifted = box.replacing(
                    axis,
                    with: box.ranges[axis].lowerBound + offsets[k]..<box.ranges[axis].upperBound + offsets[k])
                do { result.append(try BoxCopy.extract(shifted, from: x, at: holding)) } catch {
                    throw fail(error)
                }
            }
            return result
        case .slice(let steps):
            guard let x = args.first ?? nil, let box = outputs.first ?? nil else { return [] }
            do {
                return [
                    try BoxCopy.extract(Box.whole(box.shape), from: x, at: Box.whole(x.shape), steps: steps)
                ]
            } catch {
                throw fail(error)
            }
        case .expand:
            guard let x = args.first ?? nil, let box = outputs.first ?? nil else { return [] }
            return try Plan.call(op, [x, Tensor(box.shape.map(Int64.init))], node: node)
        }
    }
}

/// Which region of each input a step reads to compute a region of its outputs, per op family.
///
/// Rules exist for the ops a transformer's last layers and output head are made of (elementwise
/// and row-wise ops, matrix products by rows and columns, normalizations, reshapes and
/// transposes, Gather, Slice, Split, Concat, Expand, keepdims reductions); every other op, or a
/// case a rule does not cover, computes its whole outputs from whole inputs.
enum RegionRules {
    /// Whole outputs from whole inputs.
    static func whole(_ c: RegionContext, needed: [Box?]) -> RegionMapping {
        RegionMapping(
            outputs: needed.enumerated().map { k, box in box == nil ? nil : c.outputShapes[k].map(Box.whole)
            },
            inputs: [], execution: .call)
    }

    static func map(_ c: RegionContext, needed: [Box?]) -> RegionMapping {
        if let mapping = rule(c, needed), isConsistent(mapping, c, needed) { return mapping }
        return whole(c, needed: needed)
    }

    /// Computed outputs cover what is needed, and every box lies inside its tensor.
    static func isConsistent(_ m: RegionMapping, _ c: RegionContext, _ needed: [Box?]) -> Bool {
        guard m.outputs.count == needed.count else { return false }
        for (k, want) in needed.enumerated() {
            guard let want else { continue }
            guard let got = m.outputs[k], let shape = c.outputShapes[k], got.contains(want),
                Box.whole(shape).contains(got)
            else { return false }
        }
        for (i, box) in m.inputs.enumerated() {
            guard let box else { continue }
            guard i < c.inputShapes.count, let shape = c.inputShapes[i], Box.whole(shape).contains(box) else {
                return false
            }
        }
        return true
    }

    static let unary: Set<String> = [
        "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Tanh", "Sigmoid", "Relu", "Erf", "Sin", "Cos",
        "Tan",
        "Floor", "Ceil", "Round", "Sign", "IsNaN", "IsInf", "Not", "Softplus", "Softsign", "Elu", "Selu",
        "LeakyRelu", "HardSigmoid", "HardSwish", "Gelu", "Mish", "ThresholdedRelu", "Celu", "Identity",
        "Cast",
        "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Shrink",
    ]
    /// NumPy-broadcasting ops (from opset 7; earlier binary ops had their own broadcast rules).
    static let broadcasting: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual",
        "And", "Or", "Xor", "Where", "Max", "Min", "Sum", "Mean", "Clip", "BitwiseAnd", "BitwiseOr",
        "BitwiseXor",
    ]
    static let reshaping: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze"]
    static let reductions: Set<String> = [
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
    ]

    /// For an op of the default domain (false, false), or of the plan's internal ops the rules
    /// know (the transposed-B MatMul, a fused elementwise chain); nil for any other op.
    static func internalKind(_ node: Node) -> (internalMatMul: Bool, fused: Bool)? {
        if node.domain.isEmpty || node.domain == "ai.onnx" { return (false, false) }
        guard node.domain == Plan.internalDomain else { return nil }
        switch node.opType {
        case "MatMulTransposedB": return (true, false)
        case Plan.fusedElementwiseOpType, Plan.replaceNaNOpType: return (false, true)
        default: return nil
        }
    }

    static func rule(_ c: RegionContext, _ needed: [Box?]) -> RegionMapping? {
        let node = c.node
        if node.domain == Plan.internalDomain && node.opType == Plan.fusedSoftmaxOpType { return fusedSoftmax(c, needed) }
        guard let (internalMatMul, fused) = internalKind(node) else { return nil }
        if node.opType == "Split" { return split(c, needed) }
        guard let out = needed.first ?? nil, let outShape = c.outputShapes.first ?? nil else { return nil }
        // Other outputs (statistics, masks) fall back to whole tensors.
        guard needed.dropFirst().allSatisfy({ $0 == nil }) else { return nil }
        let op = node.opType
        func one(_ inputs: [Box?], _ execution: RegionMapping.Execution = .call, output: Box? = nil)
            -> RegionMapping
        {
            RegionMapping(
                outputs: [output ?? out] + needed.dropFirst().map { _ in nil }, inputs: inputs,
                execution: execution)
        }
        if unary.contains(op) || (broadcasting.contains(op) && c.opset >= 7) || op == "CastLike" || fused {
            var inputs: [Box?] = []
            for (i, shape) in c.inputShapes.enumerated() {
                guard let shape else {
                    inputs.append(nil)
                    continue
                }
                if op == "CastLike" && i == 1 {
                    inputs.append(nil)
                    continue
                }
                guard let box = broadcast(out, outShape, to: shape) else { return nil }
                inputs.append(box)
            }
            return one(inputs)
        }
        if op == "MatMul" || internalMatMul {
            return matMul(c, out, outShape, transposedB: internalMatMul).map { one($0) }
        }
        if op == "Gemm" { return gemm(c, out, outShape).map { one($0) } }
        if op == "LayerNormalization" || op == "RMSNormalization" || op == "Softmax" || op == "LogSoftmax" {
            let flattens = (op == "Softmax" || op == "LogSoftmax") && c.opset < 13
            guard let axis = try? node.int("axis", default: flattens ? 1 : -1),
                let a = Shape.normalizeAxis(axis, rank: outShape.count)
            else { return nil }
            var box = out
            for i in a..<outShape.count { box.ranges[i] = 0..<outShape[i] }
            return one([box] + c.inputShapes.dropFirst().map { _ in nil }, output: box)
        }
        if op == "Transpose" {
            let perm = (try? node.ints("perm")) ?? Array((0..<outShape.count).reversed())
            guard perm.count == outShape.count, Set(perm) == Set(0..<perm.count) else { return nil }
            var ranges = [Swift.Range<Int>](repeating: 0..<0, count: perm.count)
            for (i, p) in perm.enumerated() { ranges[p] = out.ranges[i] }
            return one([Box(ranges)])
        }
        if reshaping.contains(op) {
            guard let inShape = c.inputShapes.first ?? nil,
                let (output, input) = reshape(out, from: inShape, to: outShape)
            else { return nil }
            return one([input] + c.inputShapes.dropFirst().map { _ in nil }, .reshape, output: output)
        }
        if op == "Gather" {
            guard let data = c.inputShapes.first ?? nil, c.inputShapes.count == 2,
                let indices = c.inputShapes[1],
                let axisValue = try? node.int("axis", default: 0),
                let axis = Shape.normalizeAxis(axisValue, rank: data.count),
                outShape.count == data.count - 1 + indices.count
            else { return nil }
            let r = indices.count
            let dataBox = Box(
                Array(out.ranges[..<axis]) + [0..<data[axis]] + Array(out.ranges[(axis + r)...]))
            return one([dataBox, Box(Array(out.ranges[axis..<(axis + r)]))])
        }
        if op == "Concat" {
            guard let axisValue = try? node.int("axis"),
                let axis = Shape.normalizeAxis(axisValue, rank: outShape.count)
            else { return nil }
            let box = out.replacing(axis, with: 0..<outShape[axis])
            var inputs: [Box?] = []
            for shape in c.inputShapes {
                guard let shape, shape.count == outShape.count else { return nil }
                inputs.append(box.replacing(axis, with: 0..<shape[axis]))
            }
            return one(inputs, output: box)
        }
        if op == "Expand" {
            guard let shape = c.inputShapes.first ?? nil, let box = broadcast(out, outShape, to: shape) else {
                return nil
            }
            return one([box, nil], .expand)
        }
        if reductions.contains(op) {
            // With keepdims the reduced axes are the ones of size 1 in the output; the rule
            // needs no attribute: an axis of size 1 on both sides reads the same either way.
            guard let inShape = c.inputShapes.first ?? nil, inShape.count == outShape.count else {
                return nil
            }
            var ranges: [Swift.Range<Int>] = []
            for (a, size) in inShape.enumerated() {
                if size == outShape[a] {
                    ranges.append(out.ranges[a])
                } else if outShape[a] == 1 {
                    ranges.append(0..<size)
                } else {
                    return nil
                }
            }
            return one([Box(ranges)] + c.inputShapes.dropFirst().map { _ in nil })
        }
        if op == "Slice" { return slice(c, out, outShape).map { one([$0.input], .slice(steps: $0.steps)) } }
        return nil
    }

    // MARK: Forward: which outputs can change

    /// For each output, the box of elements that can differ from the base run when the inputs
    /// differ in `changed` (nil: that input is as in the base); nil for an output that cannot
    /// change. Ops without a rule: whole outputs.
    static func forward(_ c: RegionContext, changed: [Box?]) -> [Box?] {
        let whole = c.outputShapes.map { $0.map(Box.whole) }
        guard changed.contains(where: { $0 != nil }) else { return whole.map { _ in nil } }
        return forwardRule(c, changed) ?? whole
    }

    static func forwardRule(_ c: RegionContext, _ changed: [Box?]) -> [Box?]? {
        let node = c.node
        if node.domain == Plan.internalDomain && node.opType == Plan.fusedSoftmaxOpType {
            return fusedSoftmaxForward(c, changed)
        }
        guard let (internalMatMul, fused) = internalKind(node) else { return nil }
        let op = node.opType
        if op == "Split" {
            guard let d = changed.first ?? nil, changed.dropFirst().allSatisfy({ $0 == nil }),
                let inShape = c.inputShapes.first ?? nil, let axisValue = try? node.int("axis", default: 0),
                let axis = Shape.normalizeAxis(axisValue, rank: inShape.count)
            else { return nil }
            var offset = 0
            var result: [Box?] = []
            for shape in c.outputShapes {
                guard let shape, shape.count == inShape.count else { return nil }
                let r = d.ranges[axis]
                let lower = Swift.max(r.lowerBound, offset) - offset
                let upper = Swift.min(r.upperBound, offset + shape[axis]) - offset
                result.append(lower < upper ? d.replacing(axis, with: lower..<upper) : nil)
                offset += shape[axis]
            }
            return result
        }
        guard let outShape = c.outputShapes.first ?? nil else { return nil }
        // Ops with one output here; extra outputs (statistics) change wholly.
        func one(_ box: Box?) -> [Box?] {
            [box] + c.outputShapes.dropFirst().map { shape in box == nil ? nil : shape.map(Box.whole) }
        }
        func union(_ boxes: [Box?]) -> Box? {
            var result: Box?
            for case let box? in boxes { result = result.map { $0.union(box) } ?? box }
            return result
        }
        if unary.contains(op) || (broadcasting.contains(op) && c.opset >= 7) || op == "CastLike"
            || op == "Expand" || fused
        {
            var boxes: [Box?] = []
            for (i, d) in changed.enumerated() {
                guard let d else { continue }
                if (op == "CastLike" || op == "Expand") && i == 1 { return nil }
                guard let shape = c.inputShapes[i], let box = spread(d, from: shape, to: outShape) else {
                    return nil
                }
                boxes.append(box)
            }
            return one(union(boxes))
        }
        if op == "MatMul" || internalMatMul {
            guard c.inputShapes.count == 2, let a = c.inputShapes[0], let b = c.inputShapes[1], a.count >= 2,
                b.count >= 2,
                outShape.count >= 2
            else { return nil }
            let r = outShape.count
            let batchShape = Array(outShape[..<(r - 2)])
            var boxes: [Box?] = []
            if let d = changed[0] {
                guard
                    let batch = spread(
                        Box(Array(d.ranges.dropLast(2))), from: Array(a.dropLast(2)), to: batchShape)
                else { return nil }
                boxes.append(Box(batch.ranges + [d.ranges[d.rank - 2], 0..<outShape[r - 1]]))
            }
            if let d = changed[1] {
                guard
                    let batch = spread(
                        Box(Array(d.ranges.dropLast(2))), from: Array(b.dropLast(2)), to: batchShape)
                else { return nil }
                let columns = internalMatMul ? d.ranges[d.rank - 2] : d.ranges[d.rank - 1]
                boxes.append(Box(batch.ranges + [0..<outShape[r - 2], columns]))
            }
            return one(union(boxes))
        }
        if op == "Gemm" {
            guard outShape.count == 2, let transA = try? node.int("transA", default: 0),
                let transB = try? node.int("transB", default: 0)
            else { return nil }
            var boxes: [Box?] = []
            if let d = changed[0], d.rank == 2 {
                boxes.append(Box([transA != 0 ? d.ranges[1] : d.ranges[0], 0..<outShape[1]]))
            }
            if changed.count > 1, let d = changed[1], d.rank == 2 {
                boxes.append(Box([0..<outShape[0], transB != 0 ? d.ranges[0] : d.ranges[1]]))
            }
            if changed.count > 2, let d = changed[2] {
                guard let shape = c.inputShapes[2], let box = spread(d, from: shape, to: outShape) else {
                    return nil
                }
                boxes.append(box)
            }
            return one(union(boxes))
        }
        if op == "LayerNormalization" || op == "RMSNormalization" || op == "Softmax" || op == "LogSoftmax" {
            let flattens = (op == "Softmax" || op == "LogSoftmax") && c.opset < 13
            guard let d = changed[0], changed.dropFirst().allSatisfy({ $0 == nil }),
                let axis = try? node.int("axis", default: flattens ? 1 : -1),
                let a = Shape.normalizeAxis(axis, rank: outShape.count), d.rank == outShape.count
            else { return nil }
            var box = d
            for i in a..<outShape.count { box.ranges[i] = 0..<outShape[i] }
            return one(box)
        }
        if op == "Transpose" {
            guard let d = changed[0] else { return nil }
            let perm = (try? node.ints("perm")) ?? Array((0..<outShape.count).reversed())
            guard perm.count == d.rank, Set(perm) == Set(0..<perm.count) else { return nil }
            return one(Box(perm.map { d.ranges[$0] }))
        }
        if reshaping.contains(op) {
            guard let d = changed[0], changed.dropFirst().allSatisfy({ $0 == nil }),
                let inShape = c.inputShapes[0],
                let mapped = reshape(d, from: outShape, to: inShape)
            else { return nil }
            return one(mapped.input)
        }
        if op == "Gather" {
            guard let data = c.inputShapes[0], c.inputShapes.count == 2, let indices = c.inputShapes[1],
                let axisValue = try? node.int("axis", default: 0),
                let axis = Shape.normalizeAxis(axisValue, rank: data.count),
                outShape.count == data.count - 1 + indices.count
            else { return nil }
            let r = indices.count
            var boxes: [Box?] = []
            if let d = changed[0] {
                boxes.append(
                    Box(
                        Array(d.ranges[..<axis]) + outShape[axis..<(axis + r)].map { 0..<$0 }
                            + Array(d.ranges[(axis + 1)...])))
            }
            if let d = changed[1] {
                boxes.append(
                    Box(outShape[..<axis].map { 0..<$0 } + d.ranges + outShape[(axis + r)...].map { 0..<$0 }))
            }
            return one(union(boxes))
        }
        if op == "Concat" {
            guard let axisValue = try? node.int("axis"),
                let axis = Shape.normalizeAxis(axisValue, rank: outShape.count)
            else { return nil }
            var offset = 0
            var boxes: [Box?] = []
            for (i, shape) in c.inputShapes.enumerated() {
                guard let shape, shape.count == outShape.count else { return nil }
                if let d = changed[i] {
                    let r = d.ranges[axis]
                    boxes.append(d.replacing(axis, with: (r.lowerBound + offset)..<(r.upperBound + offset)))
                }
                offset += shape[axis]
            }
            return one(union(boxes))
        }
        if reductions.contains(op) {
            guard let d = changed[0], changed.dropFirst().allSatisfy({ $0 == nil }),
                let inShape = c.inputShapes[0],
                inShape.count == outShape.count
            else { return nil }
            var ranges: [Swift.Range<Int>] = []
            for (a, size) in inShape.enumerated() {
                if size == outShape[a] {
                    ranges.append(d.ranges[a])
                } else if outShape[a] == 1 {
                    ranges.append(0..<1)
                } else {
                    return nil
                }
            }
            return one(Box(ranges))
        }
        if op == "Slice" {
            guard let d = changed[0], changed.dropFirst().allSatisfy({ $0 == nil }),
                let mapping = slice(c, Box.whole(outShape), outShape)
            else { return nil }
            // Output index o of an axis reads input index begin + o·step.
            var ranges: [Swift.Range<Int>] = []
            for axis in 0..<outShape.count {
                let begin = mapping.input.ranges[axis].lowerBound
                let step = mapping.steps[axis]
                let r = d.ranges[axis]
                let first = Swift.max(0, (r.lowerBound - begin + step - 1) / step)
                let last = Swift.min(
                    outShape[axis] - 1, r.upperBound - 1 >= begin ? (r.upperBound - 1 - begin) / step : -1)
                guard first <= last else { return one(nil) }
                ranges.append(first..<(last + 1))
            }
            return one(Box(ranges))
        }
        return nil
    }

    /// A changed box of an input, in the coordinates of the output it broadcasts (NumPy rules)
    /// to: axes the input lacks or broadcasts from size 1 change wholly.
    static func spread(_ d: Box, from shape: [Int], to outShape: [Int]) -> Box? {
        let offset = outShape.count - shape.count
        guard offset >= 0, d.rank == shape.count else { return nil }
        var ranges = outShape[..<offset].map { 0..<$0 }
        for (a, size) in shape.enumerated() {
            if size == outShape[a + offset] {
                ranges.append(d.ranges[a])
            } else if size == 1 {
                ranges.append(0..<outShape[a + offset])
            } else {
                return nil
            }
        }
        return Box(ranges)
    }

    // MARK: Backward: which inputs a region reads

    /// The box of an input broadcast (NumPy rules) to the output: its axes of size 1 read index 0.
    static func broadcast(_ out: Box, _ outShape: [Int], to shape: [Int]) -> Box? {
        let offset = outShape.count - shape.count
        guard offset >= 0 else { return nil }
        var ranges: [Swift.Range<Int>] = []
        for (a, size) in shape.enumerated() {
            if size == outShape[a + offset] {
                ranges.append(out.ranges[a + offset])
            } else if size == 1 {
                ranges.append(0..<1)
            } else {
                return nil
            }
        }
        return Box(ranges)
    }

    // A (…, m, k) · B (…, k, n), B stored (…, n, k) when transposed: rows of the output read
    // rows of A, columns read columns of B.
    static func matMul(_ c: RegionContext, _ out: Box, _ outShape: [Int], transposedB: Bool) -> [Box?]? {
        guard c.inputShapes.count == 2, let a = c.inputShapes[0], let b = c.inputShapes[1], a.count >= 2,
            b.count >= 2,
            outShape.count >= 2
        else { return nil }
        let r = outShape.count
        let batch = Box(Array(out.ranges[..<(r - 2)]))
        let batchShape = Array(outShape[..<(r - 2)])
        guard let batchA = broadcast(batch, batchShape, to: Array(a.dropLast(2))),
            let batchB = broadcast(batch, batchShape, to: Array(b.dropLast(2)))
        else { return nil }
        let rows = out.ranges[r - 2]
        let columns = out.ranges[r - 1]
        let boxA = Box(batchA.ranges + [rows, 0..<a[a.count - 1]])
        let boxB = Box(
            batchB.ranges + (transposedB ? [columns, 0..<b[b.count - 1]] : [0..<b[b.count - 2], columns]))
        return [boxA, boxB]
    }

    // Y (m, n) = A' (m, k) · B' (k, n) + C, A' and B' transposed by transA/transB.
    static func gemm(_ c: RegionContext, _ out: Box, _ outShape: [Int]) -> [Box?]? {
        guard c.inputShapes.count >= 2, let a = c.inputShapes[0], let b = c.inputShapes[1], a.count == 2,
            b.count == 2,
            outShape.count == 2,
            let transA = try? c.node.int("transA", default: 0),
            let transB = try? c.node.int("transB", default: 0)
        else { return nil }
        let rows = out.ranges[0]
        let columns = out.ranges[1]
        var boxes: [Box?] = [
            Box(transA != 0 ? [0..<a[0], rows] : [rows, 0..<a[1]]),
            Box(transB != 0 ? [columns, 0..<b[1]] : [0..<b[0], columns]),
        ]
        if c.inputShapes.count > 2, let shape = c.inputShapes[2] {
            guard let box = broadcast(out, outShape, to: shape) else { return nil }
            boxes.append(box)
        }
        return boxes
    }

    // Split: each needed output maps onto the input at its offset along the axis; the input box
    // is their union, and each output is cut from it.
    static func split(_ c: RegionContext, _ needed: [Box?]) -> RegionMapping? {
        guard let inShape = c.inputShapes.first ?? nil, let axisValue = try? c.node.int("axis", default: 0),
            let axis = Shape.normalizeAxis(axisValue, rank: inShape.count)
        else { return nil }
        var offsets: [Int] = []
        var offset = 0
        for shape in c.outputShapes {
            guard let shape, shape.count == inShape.count else { return nil }
            offsets.append(offset)
            offset += shape[axis]
        }
        guard offset == inShape[axis] else { return nil }
        var input: Box?
        for (k, box) in needed.enumerated() {
            guard let box else { continue }
            let range = box.ranges[axis]
            let mapped = box.replacing(
                axis, with: range.lowerBound + offsets[k]..<range.upperBound + offsets[k])
            input = input.map { $0.union(mapped) } ?? mapped
        }
        guard let input else { return nil }
        var outputs: [Box?] = []
        for (k, box) in needed.enumerated() {
            guard box != nil, let shape = c.outputShapes[k] else {
                outputs.append(nil)
                continue
            }
            let range = input.ranges[axis]
            let lower = Swift.max(range.lowerBound, offsets[k]) - offsets[k]
            let upper = Swift.min(range.upperBound, offsets[k] + shape[axis]) - offsets[k]
            outputs.append(input.replacing(axis, with: lower..<upper))
        }
        return RegionMapping(
            outputs: outputs, inputs: [input] + c.inputShapes.dropFirst().map { _ in nil },
            execution: .split(axis: axis, offsets: offsets))
    }

    // Slice with positive steps: output index o of an axis reads input index start + o·step.
    static func slice(_ c: RegionContext, _ out: Box, _ outShape: [Int]) -> (input: Box, steps: [Int])? {
        guard let inShape = c.inputShapes.first ?? nil, inShape.count == outShape.count else { return nil }
        let starts: [Int]
        let ends: [Int]
        let axes: [Int]?
        let stepValues: [Int]?
        if c.opset >= 10 {
            guard let s = c.constant(1).flatMap({ try? $0.intValues() }),
                let e = c.constant(2).flatMap({ try? $0.intValues() })
            else { return nil }
            starts = s
            ends = e
            if c.inputShapes.count > 3, c.inputShapes[3] != nil {
                guard let a = c.constant(3).flatMap({ try? $0.intValues() }) else { return nil }
                axes = a
            } else {
                axes = nil
            }
            if c.inputShapes.count > 4, c.inputShapes[4] != nil {
                guard let t = c.constant(4).flatMap({ try? $0.intValues() }) else { return nil }
                stepValues = t
            } else {
                stepValues = nil
            }
        } else {
            guard let s = try? c.node.ints("starts"), let e = try? c.node.ints("ends") else { return nil }
            starts = s
            ends = e
            axes = try? c.node.ints("axes")
            stepValues = nil
        }
        let axisList = axes ?? Array(0..<starts.count)
        guard ends.count == starts.count, axisList.count == starts.count,
            stepValues.map({ $0.count == starts.count }) ?? true
        else { return nil }
        var begin = [Int](repeating: 0, count: inShape.count)
        var steps = [Int](repeating: 1, count: inShape.count)
        for (i, axisValue) in axisList.enumerated() {
            guard let axis = Shape.normalizeAxis(axisValue, rank: inShape.count) else { return nil }
            let size = inShape[axis]
            let step = stepValues?[i] ?? 1
            guard step > 0 else { return nil }
            var start = starts[i]
            var end = ends[i]
            if start < 0 { start = start > Int.min / 2 ? start + size : 0 }
            if end < 0 { end = end > Int.min / 2 ? end + size : 0 }
            start = Swift.min(Swift.max(start, 0), size)
            end = Swift.min(Swift.max(end, 0), size)
            let count = end > start ? (end - start + step - 1) / step : 0
            guard count == outShape[axis] else { return nil }
            begin[axis] = start
            steps[axis] = step
        }
        for axis in 0..<inShape.count
        where !axisList.contains(where: { Shape.normalizeAxis($0, rank: inShape.count) == axis }) {
            guard inShape[axis] == outShape[axis] else { return nil }
        }
        var ranges: [Swift.Range<Int>] = []
        for axis in 0..<inShape.count {
            let r = out.ranges[axis]
            let first = begin[axis] + r.lowerBound * steps[axis]
            ranges.append(first..<(begin[axis] + (r.upperBound - 1) * steps[axis] + 1))
        }
        return (Box(ranges), steps)
    }

    // Reshape: axes group into runs with equal element counts on both sides; within a group the
    // needed box becomes a range of flat indices, widened until it is a box on both sides.
    static func reshape(_ out: Box, from inShape: [Int], to outShape: [Int]) -> (output: Box, input: Box)? {
        guard !inShape.contains(0), !outShape.contains(0), inShape.reduce(1, *) == outShape.reduce(1, *)
        else { return nil }
        var inputRanges: [Swift.Range<Int>] = []
        var outputRanges: [Swift.Range<Int>] = []
        var i = 0
        var j = 0
        while i < inShape.count || j < outShape.count {
            let i0 = i
            let j0 = j
            var pi = 1
            var pj = 1
            if i < inShape.count {
                pi = inShape[i]
                i += 1
            }
            if j < outShape.count {
                pj = outShape[j]
                j += 1
            }
            while pi != pj {
                if pi < pj {
                    guard i < inShape.count else { return nil }
                    pi *= inShape[i]
                    i += 1
                } else {
                    guard j < outShape.count else { return nil }
                    pj *= outShape[j]
                    j += 1
                }
            }
            let inSizes = Array(inShape[i0..<i])
            let outSizes = Array(outShape[j0..<j])
            var range = flatBounds(Array(out.ranges[j0..<j]), outSizes)
            while true {
                let widened = flatBox(range, outSizes).flat
                let onInput = flatBox(widened, inSizes).flat
                if onInput == range { break }
                range = onInput
            }
            inputRanges += flatBox(range, inSizes).box
            outputRanges += flatBox(range, outSizes).box
        }
        return (Box(outputRanges), Box(inputRanges))
    }

    /// The flat (row-major) indices from the first to the last element of a box over `sizes`.
    static func flatBounds(_ ranges: [Swift.Range<Int>], _ sizes: [Int]) -> Swift.Range<Int> {
        var lower = 0
        var upper = 0
        for (r, size) in zip(ranges, sizes) {
            lower = lower * size + r.lowerBound
            upper = upper * size + (r.upperBound - 1)
        }
        return lower..<(upper + 1)
    }

    /// The smallest box over `sizes` whose elements are a contiguous flat range holding `range`
    /// (single indices on leading axes, a range on one axis, whole trailing axes), and that range.
    static func flatBox(_ range: Swift.Range<Int>, _ sizes: [Int]) -> (
        box: [Swift.Range<Int>], flat: Swift.Range<Int>
    ) {
        guard !sizes.isEmpty else { return ([], 0..<1) }
        var suffix = 1
        for m in stride(from: sizes.count - 1, through: 0, by: -1) {
            let block = suffix * sizes[m]
            let lower = range.lowerBound / suffix * suffix
            let upper = (range.upperBound + suffix - 1) / suffix * suffix
            if lower / block == (upper - 1) / block {
                var prefix = lower / block
                var leading = [Swift.Range<Int>](repeating: 0..<0, count: m)
                for axis in stride(from: m - 1, through: 0, by: -1) {
                    leading[axis] = prefix % sizes[axis]..<(prefix % sizes[axis] + 1)
                    prefix /= sizes[axis]
                }
                let axisRange = (lower % block) / suffix..<((upper - 1) % block) / suffix + 1
                return (leading + [axisRange] + sizes[(m + 1)...].map { 0..<$0 }, lower..<upper)
            }
            suffix = block
        }
        return (sizes.map { 0..<$0 }, 0..<suffix)
    }
}
