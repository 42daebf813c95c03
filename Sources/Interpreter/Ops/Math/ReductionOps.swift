/// Registers the reductions: the Reduce* family (one engine, one table row each) and
/// ArgMax/ArgMin.
func registerReductionOps(_ registry: inout OpRegistry) {
    // (op, kind, first opset where axes is an input rather than an attribute)
    let table: [(String, ReduceKind, Int)] = [
        ("ReduceSum", .sum, 13),
        ("ReduceMean", .mean, 18),
        ("ReduceMax", .max, 18),
        ("ReduceMin", .min, 18),
        ("ReduceProd", .prod, 18),
        ("ReduceL1", .l1, 18),
        ("ReduceL2", .l2, 18),
        ("ReduceLogSum", .logSum, 18),
        ("ReduceLogSumExp", .logSumExp, 18),
        ("ReduceSumSquare", .sumSquare, 18),
    ]
    for (op, kind, axesInputSince) in table {
        registry.register(op, since: 1) { try ReduceOp(op, kind, $0, axesFromInput: false) }
        registry.register(op, since: axesInputSince) { try ReduceOp(op, kind, $0, axesFromInput: true) }
    }
    registry.register("ArgMax", since: 1) { try ArgExtremeOp($0, isMax: true) }
    registry.register("ArgMin", since: 1) { try ArgExtremeOp($0, isMax: false) }
}
