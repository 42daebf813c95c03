import GraphIR
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// TreeEnsemble (ai.onnx.ml opset 5): the aggregated leaf weights of decision trees.
///
/// https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsemble.html
///
/// `X` (N, F) float → (N, `n_targets`). Each tree starts at a `tree_roots` node; a node
/// compares feature `nodes_featureids` with `nodes_splits` by `nodes_modes` (LEQ, LT, GTE, GT,
/// EQ, NEQ, MEMBER of a `membership_values` set; NaN goes the true way where
/// `nodes_missing_value_tracks_true`), then follows `nodes_true/falsenodeids`, which index
/// leaves where `nodes_true/falseleafs` is set. Leaf weights add to their target, combined by
/// `aggregate_function` (AVERAGE, SUM, MIN, MAX); `post_transform` NONE, SOFTMAX or LOGISTIC.
struct TreeEnsemble: Operator {
    indirect enum Tree: Sendable {
        case leaf(weight: Double, target: Int)
        case split(feature: Int, test: Test, tracksMissing: Bool, whenTrue: Tree, whenFalse: Tree)
    }

    enum Test: Sendable {
        case compare(mode: Int, value: Double)
        case member(Set<Double>)
    }

    let trees: [Tree]
    let targets: Int
    let aggregate: Int
    let postTransform: Int

    init(_ context: OpContext) throws {
        let node = context.node
        func doubles(_ name: String) throws -> [Double] {
            guard let tensor = try node.tensor(name) else { throw OpError("attribute '\(name)' is required") }
            return try MiscSupport.doubles(tensor, name)
        }
        let splits = try doubles("nodes_splits")
        let leafWeights = try doubles("leaf_weights")
        let modes = try node.tensor("nodes_modes").map { try ShapeSupport.ints($0, "nodes_modes") } ?? []
        let features = try node.required("nodes_featureids", node.ints)
        let trueIds = try node.required("nodes_truenodeids", node.ints)
        let falseIds = try node.required("nodes_falsenodeids", node.ints)
        let trueLeafs = try node.required("nodes_trueleafs", node.ints)
        let falseLeafs = try node.required("nodes_falseleafs", node.ints)
        let leafTargets = try node.required("leaf_targetids", node.ints)
        let roots = try node.required("tree_roots", node.ints)
        let missing = try node.ints("nodes_missing_value_tracks_true") ?? []
        var members =
            try node.tensor("membership_values").map { try MiscSupport.doubles($0, "membership_values") }
            ?? []
        let targets = try node.required("n_targets", node.int)
        let aggregate = try node.int("aggregate_function", default: 1)
        let postTransform = try node.int("post_transform", default: 0)
        let count = features.count
        guard
            [splits.count, modes.count, trueIds.count, falseIds.count, trueLeafs.count, falseLeafs.count]
                .allSatisfy({ $0 == count }),
            leafTargets.count == leafWeights.count, targets > 0, (0...3).contains(aggregate),
            (0...2).contains(postTransform)
        else {
            throw OpError(
                "inconsistent tree attributes (the nodes_* lists and leaf_* lists must line up; aggregate_function 0–3, post_transform 0–2 supported)"
            )
        }
        // Built depth first, true branch first, which is also the order membership sets are listed in.
        var depth = 0
        func build(_ index: Int, leaf: Bool) throws -> Tree {
            if leaf {
                guard index >= 0, index < leafWeights.count, (0..<targets).contains(leafTargets[index]) else {
                    throw OpError("leaf \(index) is out of range or has a bad target")
                }
                return .leaf(weight: leafWeights[index], target: leafTargets[index])
            }
            guard index >= 0, index < count, depth < 1000 else {
                throw OpError("node \(index) is out of range (or the tree is too deep)")
            }
            depth += 1
            defer { depth -= 1 }
            let test: Test
            if modes[index] == 6 {
                var set = Set<Double>()
                while let value = members.first {
                    members.removeFirst()
                    if value.isNaN { break }
                    set.insert(value)
                }
                test = .member(set)
            } else {
                guard (0...5).contains(modes[index]) else {
                    throw OpError("node mode \(modes[index]) is not 0–6")
                }
                test = .compare(mode: modes[index], value: splits[index])
            }
            let whenTrue = try build(trueIds[index], leaf: trueLeafs[index] != 0)
            let whenFalse = try build(falseIds[index], leaf: falseLeafs[index] != 0)
            return .split(
                feature: features[index], test: test,
                tracksMissing: index < missing.count && missing[index] != 0,
                whenTrue: whenTrue, whenFalse: whenFalse)
        }
        let trees = try roots.map { root in
            guard root >= 0, root < count else { throw OpError("tree root \(root) is out of range") }
            // A root whose two branches are the same leaf is a one-leaf tree.
            let degenerate = trueLeafs[root] != 0 && falseLeafs[root] != 0 && trueIds[root] == falseIds[root]
            return try build(degenerate ? trueIds[root] : root, leaf: degenerate)
        }
        (self.trees, self.targets, self.aggregate, self.postTransform) = (
            trees, targets, aggregate, postTransform
        )
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank == 2 else { throw OpError("X must be (N, F), got \(x.shape)") }
        let (n, f) = (x.shape[0], x.shape[1])
        let values = try MiscSupport.floats(x, "X")
        let start =
            aggregate == 2
            ? Double.greatestFiniteMagnitude : aggregate == 3 ? -Double.greatestFiniteMagnitude : 0
        var out = [Double](repeating: start, count: n * targets)
        for row in 0..<n {
            let sample = values[(row * f)..<((row + 1) * f)]
            for tree in trees {
                let (weight, target) = try evaluate(tree, sample, features: f)
                let at = row * targets + target
                switch aggregate {
                case 0: out[at] += weight / Double(trees.count)
                case 1: out[at] += weight
                case 2: out[at] = min(out[at], weight)
                default: out[at] = max(out[at], weight)
                }
            }
            if postTransform == 1 {
                let row = out[(row * targets)..<((row + 1) * targets)]
                let top = row.max() ?? 0
                let total = row.reduce(0) { $0 + exp($1 - top) }
                for k in row.indices { out[k] = exp(out[k] - top) / total }
            } else if postTransform == 2 {
                for k in (row * targets)..<((row + 1) * targets) { out[k] = 1 / (1 + exp(-out[k])) }
            }
        }
        return [try MiscSupport.tensor(out, x.dtype, [n, targets])]
    }

    private func evaluate(_ tree: Tree, _ sample: ArraySlice<Double>, features: Int) throws -> (Double, Int) {
        var node = tree
        while true {
            switch node {
            case .leaf(let weight, let target): return (weight, target)
            case .split(let feature, let test, let tracksMissing, let whenTrue, let whenFalse):
                guard feature >= 0, feature < features else {
                    throw OpError("feature \(feature) is outside X's \(features) columns")
                }
                let v = sample[sample.startIndex + feature]
                var goTrue: Bool
                switch test {
                case .member(let set): goTrue = set.contains(v)
                case .compare(let mode, let value):
                    switch mode {
                    case 0: goTrue = v <= value
                    case 1: goTrue = v < value
                    case 2: goTrue = v >= value
                    case 3: goTrue = v > value
                    case 4: goTrue = v == value
                    default: goTrue = v != value
                    }
                }
                if tracksMissing && v.isNaN { goTrue = true }
                node = goTrue ? whenTrue : whenFalse
            }
        }
    }
}
