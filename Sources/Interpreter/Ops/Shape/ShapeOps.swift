import GraphIR

/// Registers the shape and data-movement family: ops that reshape, reorder, select or build
/// tensors without arithmetic on their values (plus CumSum and the scatter reductions).
///
/// An op is registered again at each opset where its signature changed (an attribute became
/// an input); later versions that only widened types share the newest registration.
func registerShapeOps(_ registry: inout OpRegistry) {
    let table: [(op: String, since: [Int], factory: OpFactory)] = [
        ("Reshape", [1, 5, 14], { try Reshape($0) }),
        ("Transpose", [1], { try Transpose($0) }),
        ("Concat", [1, 4, 11], { try Concat($0) }),
        ("Slice", [1, 10], { try Slice($0) }),
        ("Gather", [1, 11], { try Gather($0) }),
        ("GatherElements", [11], { try GatherElements($0) }),
        ("GatherND", [11, 12], { try GatherND($0) }),
        ("Split", [1, 2, 13, 18], { try Split($0) }),
        ("Squeeze", [1, 13], { try Squeeze($0) }),
        ("Unsqueeze", [1, 13], { try Unsqueeze($0) }),
        ("Expand", [8], { Expand($0) }),
        ("Tile", [6], { Tile($0) }),
        ("Range", [11], { Range($0) }),
        ("Trilu", [14], { try Trilu($0) }),
        ("CumSum", [11], { try CumSum($0) }),
        ("ConstantOfShape", [9], { try ConstantOfShape($0) }),
        ("ScatterND", [11, 16, 18], { try ScatterND($0) }),
        ("ScatterElements", [11, 16, 18], { try ScatterElements($0) }),
        ("Flatten", [1], { try Flatten($0) }),
        ("Shape", [1, 15], { try ShapeOp($0) }),
        ("Size", [1], { Size($0) }),
        ("Identity", [1], { Identity($0) }),
        ("Dropout", [1, 10, 12], { Dropout($0) }),
        ("Constant", [1, 12], { try Constant($0) }),
        ("EyeLike", [9], { try EyeLike($0) }),
        ("Pad", [2, 11, 18], { try Pad($0) }),
        ("DepthToSpace", [1, 11], { try DepthToSpace($0) }),
        ("SpaceToDepth", [1], { try SpaceToDepth($0) }),
        ("NonZero", [9], { NonZero($0) }),
        ("OneHot", [9, 11], { try OneHot($0) }),
    ]
    for entry in table {
        for since in entry.since { registry.register(entry.op, since: since, entry.factory) }
    }
}
