import GraphIR

/// Which values depend only on the graph inputs' shapes, so that a plan may compute them once
/// per input-shape signature. A value is shape-derived when it is the output of `Shape`/`Size`
/// on a value whose shape is fixed by the input shapes, or of a node whose inputs are all
/// constant or shape-derived.
extension Plan {
    /// Ops whose output shape depends on input values in ways no table can capture.
    static let dataDependentShape: Set<String> = [
        "NonZero", "Unique", "Compress", "NonMaxSuppression", "If", "Loop", "Scan", "StringSplit",
        "TfIdfVectorizer", "RegexFullMatch",
    ]

    /// Inputs whose values (not just shapes) decide an op's output shape.
    static let shapingInputs: [String: [Int]] = [
        "Reshape": [1], "Expand": [1], "Tile": [1], "Slice": [1, 2, 3, 4], "ConstantOfShape": [0],
        "Range": [0, 1, 2], "Squeeze": [1], "Unsqueeze": [1], "Split": [1], "Pad": [1, 3],
        "OneHot": [1], "TopK": [1], "Resize": [1, 2, 3], "Upsample": [1], "ReduceSum": [1],
        "ReduceMean": [1], "ReduceMax": [1], "ReduceMin": [1], "ReduceProd": [1], "ReduceL1": [1],
        "ReduceL2": [1], "ReduceLogSum": [1], "ReduceLogSumExp": [1], "ReduceSumSquare": [1],
        "CenterCropPad": [1, 2], "Trilu": [], "EyeLike": [], "RandomNormalLike": [],
    ]

    /// Whether each value's shape is fixed once the graph inputs' shapes are (`shapeFixed`), given
    /// the same for the node's inputs and whether each input's value is non-data (constant or
    /// shape-derived).
    static func outputShapesFixed(_ node: Node, inputsShapeFixed: [Bool], inputsNonData: [Bool?]) -> Bool {
        if dataDependentShape.contains(node.opType) || !inputsShapeFixed.allSatisfy({ $0 }) { return false }
        for index in shapingInputs[node.opType] ?? [] where index < inputsNonData.count {
            if inputsNonData[index] == false { return false }
        }
        return true
    }

    /// Whether the node's outputs depend only on input shapes.
    static func isShapeDerived(_ node: Node, inputsShapeFixed: [Bool], inputsNonData: [Bool?]) -> Bool {
        if node.opType == "Shape" || node.opType == "Size" {
            return inputsShapeFixed.first ?? false
        }
        if node.opType == viewShapeOpType && node.domain == internalDomain {
            // The source's shape, and the values (Reshape's shape, Split's sizes) its chain reads.
            return (inputsShapeFixed.first ?? false) && inputsNonData.dropFirst().allSatisfy { $0 != false }
        }
        if dataDependentShape.contains(node.opType) || neverFold.contains(node.opType) { return false }
        return inputsNonData.allSatisfy { $0 != false }
    }
}
