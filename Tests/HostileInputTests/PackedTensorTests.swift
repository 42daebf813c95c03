import Foundation
import Testing

/// 4- and 2-bit tensors are packed in the file: their byte count must be computed without
/// overflow even when `--max-tensor-bytes` lets a near-Int.max element count through.
@Suite struct PackedTensorTests {
    /// Regression: ⌈count × 4 / 8⌉ was computed as (count × 4 + 7) / 8, which trapped.
    @Test func int4CountNearIntMaxIsRefusedNotTrapped() throws {
        let path = Repo.hostile("models/int4_huge.onnx")  // int4 initializer, dims [2^62], no data
        expectFailure(
            try onnxpatch(["inspect", path, "--max-tensor-bytes", "\(Int.max)"]), status: 1,
            [path, "initializer 'packed'", "raw_data holds 0 bytes", "need 2305843009213693952"])
        expectFailure(
            try onnxpatch(["inspect", path]), status: 1, [path, "initializer 'packed'", "over the limit"])
    }
}
