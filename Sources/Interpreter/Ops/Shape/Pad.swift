import GraphIR
import TensorCore

/// Pad: grows (or, with negative pads, crops) each axis at both ends.
///
/// https://onnx.ai/onnx/operators/onnx__Pad.html
///
/// `data` (d0…dn), `pads` [b0…bn, e0…en] → (d_i + b_i + e_i). Opset 2 reads `pads` and `value`
/// from attributes; from opset 11 `pads` and `constant_value` are inputs, and from 18 the
/// optional input `axes` names which axes the pads are for. `mode`: constant fills with the
/// value; reflect mirrors without repeating the edge; edge repeats it; wrap (19) cycles.
struct Pad: Operator {
    enum Mode: String { case constant, reflect, edge, wrap }

    let mode: Mode
    /// The opset 2 attributes; nil from opset 11 on.
    let attributes: (pads: [Int], value: Float)?

    init(_ context: OpContext) throws {
        let node = context.node
        let name = try node.string("mode", default: "constant")
        guard let mode = Mode(rawValue: name) else {
            throw OpError("mode '\(name)' is not one of constant, reflect, edge, wrap")
        }
        self.mode = mode
        attributes =
            context.opset < 11
            ? (try node.required("pads", node.ints), try node.float("value", default: 0)) : nil
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let data = try inputs.required(0)
        let pads: [Int]
        var axes = Array(0..<data.rank)
        let value: Tensor
        if let attributes {
            pads = attributes.pads
            value = try ShapeSupport.tensor([Double(attributes.value)], dtype: data.dtype, shape: [])
        } else {
            pads = try ShapeSupport.ints(try inputs.required(1), "pads")
            if let given = inputs.optional(2) {
                guard given.dtype == data.dtype, given.count == 1 else {
                    throw OpError(
                        "constant_value must be one \(data.dtype) element, got \(given.dtype) \(given.shape)")
                }
                value = given
            } else {
                value = try ShapeSupport.tensor([0], dtype: data.dtype, shape: [])
            }
            if let given = inputs.optional(3) {
                axes = try ShapeSupport.axes(try ShapeSupport.ints(given, "axes"), rank: data.rank)
            }
        }
        guard pads.count == 2 * axes.count else {
            throw OpError(
                "pads \(pads) must hold \(2 * axes.count) values (begin and end for axes \(axes)) for input \(data.shape)"
            )
        }
        var begin = [Int](repeating: 0, count: data.rank)
        var end = begin
        for (i, axis) in axes.enumerated() { (begin[axis], end[axis]) = (pads[i], pads[axes.count + i]) }
        var shape: [Int] = []
        for a in 0..<data.rank {
            let (grown, o1) = data.shape[a].addingReportingOverflow(begin[a])
            let (dim, o2) = grown.addingReportingOverflow(end[a])
            guard !o1, !o2, dim >= 0 else {
                throw OpError(
                    "pads \(pads) give axis \(a) of input \(data.shape) a negative or overflowing size")
            }
            shape.append(dim)
        }
        return mode == .constant
            ? [try constant(data, shape: shape, begin: begin, value: value)]
            : [try mapped(data, shape: shape, begin: begin)]
    }

    /// Fills with `value`, then copies the part of `data` that survives any cropping.
    private func constant(_ data: Tensor, shape: [Int], begin: [Int], value: Tensor) throws(OpError) -> Tensor
    {
        var output = try ShapeSupport.allocate(data.dtype, shape)
        let size = data.dtype.byteSize
        let count = output.count
        StridedCopy.withBuffers(value, &output) { source, destination in
            StridedCopy.fill(destination, count: count, elementSize: size, value: source)
        }
        let sourceStart = begin.map { max(0, -$0) }
        let destinationStart = begin.map { max(0, $0) }
        let extent = shape.indices.map {
            max(0, min(data.shape[$0] - sourceStart[$0], shape[$0] - destinationStart[$0]))
        }
        let sourceStrides = Shape.strides(data.shape)
        let destinationStrides = Shape.strides(shape)
        let sourceOffset = zip(sourceStart, sourceStrides).reduce(0) { $0 + $1.0 * $1.1 }
        let destinationOffset = zip(destinationStart, destinationStrides).reduce(0) { $0 + $1.0 * $1.1 }
        guard !extent.contains(0) else { return output }
        StridedCopy.withBuffers(data, &output) { source, destination in
            StridedCopy.copy(
                shape: extent, elementSize: size,
                from: source + sourceOffset * size, strides: sourceStrides,
                to: destination + destinationOffset * size, strides: destinationStrides)
        }
        return output
    }

    /// Reflect, edge and wrap: each output coordinate reads the input coordinate its axis maps it to.
    private func mapped(_ data: Tensor, shape: [Int], begin: [Int]) throws(OpError) -> Tensor {
        // Allocate first: it refuses absurd shapes before the per-axis maps are built.
        var output = try ShapeSupport.allocate(data.dtype, shape)
        guard output.count > 0 else { return output }
        var maps: [[Int]] = []
        for a in 0..<data.rank {
            let n = data.shape[a]
            guard n > 0 || shape[a] == 0 else {
                throw OpError(
                    "cannot pad axis \(a) of input \(data.shape) in mode \(mode.rawValue): it is empty")
            }
            maps.append((0..<shape[a]).map { o in source(o - begin[a], dim: n) })
        }
        let size = data.dtype.byteSize
        let strides = Shape.strides(data.shape)
        let last = data.rank - 1
        let rows = last >= 0 ? output.count / shape[last] : 1
        StridedCopy.withBuffers(data, &output) { source, destination in
            guard last >= 0 else { return destination.copyMemory(from: source, byteCount: size) }
            var coordinate = [Int](repeating: 0, count: last)
            var d = destination
            for _ in 0..<rows {
                let base =
                    source + zip(coordinate.indices, coordinate).reduce(0) {
                        $0 + maps[$1.0][$1.1] * strides[$1.0]
                    } * size
                for i in maps[last] {
                    d.copyMemory(from: base + i * size, byteCount: size)
                    d += size
                }
                var a = last - 1
                while a >= 0 {
                    coordinate[a] += 1
                    if coordinate[a] < shape[a] { break }
                    coordinate[a] = 0
                    a -= 1
                }
            }
        }
        return output
    }

    /// The input coordinate in [0, dim) that coordinate `i` (possibly outside) reads.
    private func source(_ i: Int, dim: Int) -> Int {
        if (0..<dim).contains(i) { return i }
        switch mode {
        case .edge, .constant: return min(max(i, 0), dim - 1)
        case .wrap: return ((i % dim) + dim) % dim
        case .reflect:
            guard dim > 1 else { return 0 }
            let period = 2 * (dim - 1)
            let m = ((i % period) + period) % period
            return m < dim ? m : period - m
        }
    }
}
