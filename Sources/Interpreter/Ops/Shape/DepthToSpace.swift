import GraphIR
import TensorCore

/// DepthToSpace and SpaceToDepth: move blocks of channels to spatial positions and back.
///
/// https://onnx.ai/onnx/operators/onnx__DepthToSpace.html
/// https://onnx.ai/onnx/operators/onnx__SpaceToDepth.html
///
/// DepthToSpace: (N, C, H, W) → (N, C/b², H·b, W·b). Mode DCR (default) reads channels as
/// (b, b, C/b²), mode CRD (opset 11) as (C/b², b, b). SpaceToDepth is DCR's inverse:
/// (N, C, H, W) → (N, C·b², H/b, W/b). Each is a reshape, a 6-D transpose and a reshape.
struct DepthToSpace: Operator {
    let blocksize: Int
    let crd: Bool

    init(_ context: OpContext) throws {
        let node = context.node
        blocksize = try node.required("blocksize", node.int)
        let mode = try node.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw OpError("mode '\(mode)' is not DCR or CRD") }
        crd = mode == "CRD"
        guard blocksize > 0 else { throw OpError("blocksize must be positive, got \(blocksize)") }
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let b = blocksize
        guard input.rank == 4, b <= input.shape[1], input.shape[1] % (b * b) == 0 else {
            throw OpError(
                "input must be (N, C, H, W) with C divisible by blocksize² = \(b * b), got \(input.shape)")
        }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let blocked = crd ? [n, c / (b * b), b, b, h, w] : [n, b, b, c / (b * b), h, w]
        let perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]
        let moved = try Transpose.apply(try ShapeSupport.reshaped(input, blocked), perm: perm)
        return [try ShapeSupport.reshaped(moved, [n, c / (b * b), h * b, w * b])]
    }
}

struct SpaceToDepth: Operator {
    let blocksize: Int
    /// Mode CRD (the `mode` attribute of recent opsets) orders output channels as (C, b, b), the
    /// inverse of DepthToSpace CRD; the default DCR orders them as (b, b, C).
    let crd: Bool

    init(_ context: OpContext) throws {
        let node = context.node
        blocksize = try node.required("blocksize", node.int)
        guard blocksize > 0 else { throw OpError("blocksize must be positive, got \(blocksize)") }
        let mode = try node.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw OpError("mode '\(mode)' is not DCR or CRD") }
        crd = mode == "CRD"
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let input = try inputs.required(0)
        let b = blocksize
        guard input.rank == 4, input.shape[2] % b == 0, input.shape[3] % b == 0 else {
            throw OpError(
                "input must be (N, C, H, W) with H and W divisible by blocksize \(b), got \(input.shape)")
        }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let blocked = [n, c, h / b, b, w / b, b]
        let perm = crd ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4]
        let moved = try Transpose.apply(try ShapeSupport.reshaped(input, blocked), perm: perm)
        return [try ShapeSupport.reshaped(moved, [n, c * b * b, h / b, w / b])]
    }
}
