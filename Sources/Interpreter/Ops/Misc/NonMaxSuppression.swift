import GraphIR
import TensorCore

/// NonMaxSuppression: per batch and class, the highest-scoring boxes that overlap no better-
/// scoring selected box by more than `iou_threshold`.
///
/// https://onnx.ai/onnx/operators/onnx__NonMaxSuppression.html
///
/// `boxes` (B, N, 4) — corners [y1, x1, y2, x2] in any order, or [x_center, y_center, width,
/// height] with `center_point_box` = 1 —, `scores` (B, C, N), optional scalars
/// `max_output_boxes_per_class` (default 0: nothing selected), `iou_threshold` (default 0) and
/// `score_threshold` (boxes must score above it) → `selected_indices` int64 (K, 3) of
/// [batch, class, box], by batch, class, then descending score (ties: lower box index first).
struct NonMaxSuppression: Operator {
    let centerPointBox: Bool

    init(_ context: OpContext) throws {
        centerPointBox = try context.node.int("center_point_box", default: 0) != 0
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let boxesTensor = try inputs.required(0)
        let scoresTensor = try inputs.required(1)
        guard boxesTensor.rank == 3, boxesTensor.shape[2] == 4, scoresTensor.rank == 3,
            scoresTensor.shape[0] == boxesTensor.shape[0], scoresTensor.shape[2] == boxesTensor.shape[1]
        else {
            throw OpError(
                "boxes must be (B, N, 4) and scores (B, C, N), got \(boxesTensor.shape) and \(scoresTensor.shape)"
            )
        }
        let (batches, classes, count) = (scoresTensor.shape[0], scoresTensor.shape[1], boxesTensor.shape[1])
        let maxPerClass =
            try inputs.optional(2).flatMap { try ShapeSupport.ints($0, "max_output_boxes_per_class").first }
            ?? 0
        let iouThreshold =
            try inputs.optional(3).flatMap { try MiscSupport.floats($0, "iou_threshold").first } ?? 0
        let scoreThreshold = try inputs.optional(4).flatMap {
            try MiscSupport.floats($0, "score_threshold").first
        }
        let boxes = try MiscSupport.floats(boxesTensor, "boxes")
        let scores = try MiscSupport.floats(scoresTensor, "scores")
        var selected: [Int64] = []
        for b in 0..<batches {
            let extents = (0..<count).map { corners(boxes, at: (b * count + $0) * 4) }
            for c in 0..<classes {
                let classScores = Array(scores[((b * classes + c) * count)..<((b * classes + c + 1) * count)])
                let candidates = (0..<count)
                    .filter { scoreThreshold == nil || classScores[$0] > scoreThreshold! }
                    .sorted {
                        classScores[$0] != classScores[$1] ? classScores[$0] > classScores[$1] : $0 < $1
                    }
                var kept: [Int] = []
                for i in candidates where kept.count < max(maxPerClass, 0) {
                    if kept.allSatisfy({ !overlaps(extents[i], extents[$0], more: iouThreshold) }) {
                        kept.append(i)
                        selected += [Int64(b), Int64(c), Int64(i)]
                    }
                }
            }
        }
        return [Tensor(shape: [selected.count / 3, 3], scalars: selected)]
    }

    /// (yMin, xMin, yMax, xMax) of the box at `at`.
    private func corners(_ boxes: [Double], at: Int) -> (Double, Double, Double, Double) {
        if centerPointBox {
            let (x, y, w, h) = (boxes[at], boxes[at + 1], boxes[at + 2] / 2, boxes[at + 3] / 2)
            return (y - h, x - w, y + h, x + w)
        }
        return (
            min(boxes[at], boxes[at + 2]), min(boxes[at + 1], boxes[at + 3]),
            max(boxes[at], boxes[at + 2]), max(boxes[at + 1], boxes[at + 3])
        )
    }

    /// Whether the intersection over union of `a` and `b` exceeds `threshold`.
    private func overlaps(
        _ a: (Double, Double, Double, Double), _ b: (Double, Double, Double, Double), more threshold: Double
    ) -> Bool {
        let height = min(a.2, b.2) - max(a.0, b.0)
        let width = min(a.3, b.3) - max(a.1, b.1)
        guard height > 0, width > 0 else { return false }
        let intersection = height * width
        let areaA = (a.2 - a.0) * (a.3 - a.1)
        let areaB = (b.2 - b.0) * (b.3 - b.1)
        let union = areaA + areaB - intersection
        guard areaA > 0, areaB > 0, union > 0 else { return false }
        return intersection / union > threshold
    }
}
