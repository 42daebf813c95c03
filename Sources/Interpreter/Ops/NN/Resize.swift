import GraphIR
import TensorCore

/// Resize (opsets 10–19) and Upsample (opsets 7 and 9): nearest, linear or cubic
/// interpolation of any axes, with every coordinate_transformation_mode, nearest_mode,
/// cubic_coeff_a, exclude_outside, extrapolation_value, antialias, axes and
/// keep_aspect_ratio_policy.
/// https://onnx.ai/onnx/operators/onnx__Resize.html, https://onnx.ai/onnx/operators/onnx__Upsample.html
///
/// Inputs from opset 11: X, roi, scales, sizes (one of scales and sizes); Resize-10 and
/// Upsample-9 take X, scales; Upsample-7 has a `scales` attribute. Scales give the output size
/// `floor(input · scale)`; sizes give it directly. Resize-10 and Upsample use asymmetric
/// coordinates. Computed per axis in float32 with double-precision coordinates; integer inputs
/// round to nearest and saturate.
struct ResizeOp: Operator {
    enum Form: Sendable { case upsample7, legacy, current }
    enum AspectPolicy: String, Sendable {
        case stretch
        case notLarger = "not_larger"
        case notSmaller = "not_smaller"
    }

    let name: String
    let form: Form
    let options: ResizeAxis.Options
    let extrapolationValue: Float
    let axes: [Int]?
    let aspectPolicy: AspectPolicy
    /// Upsample-7's scales attribute.
    let scalesAttribute: [Float]?

    init(_ context: OpContext, _ name: String, _ form: Form) throws {
        let node = context.node
        self.name = name
        self.form = form
        var modeText = try node.string("mode", default: "nearest")
        if modeText == "bilinear" || modeText == "trilinear" { modeText = "linear" }  // Upsample-1 spelling
        guard let mode = ResizeAxis.Mode(rawValue: modeText) else {
            throw OpError("\(name): mode '\(modeText)' is not nearest, linear or cubic")
        }
        let coordinateText = try node.string("coordinate_transformation_mode", default: "half_pixel")
        let nearestText = try node.string("nearest_mode", default: "round_prefer_floor")
        let policyText = try node.string("keep_aspect_ratio_policy", default: "stretch")
        guard form == .current || mode != .cubic else {
            throw OpError("\(name): mode 'cubic' needs Resize-11 or later")
        }
        guard let coordinateMode = ResizeAxis.CoordinateMode(rawValue: coordinateText) else {
            throw OpError("\(name): coordinate_transformation_mode '\(coordinateText)' is not supported")
        }
        guard let nearestMode = ResizeAxis.NearestMode(rawValue: nearestText), nearestMode != .legacy else {
            throw OpError(
                "\(name): nearest_mode '\(nearestText)' is not round_prefer_floor, round_prefer_ceil, floor or ceil"
            )
        }
        guard let policy = AspectPolicy(rawValue: policyText) else {
            throw OpError(
                "\(name): keep_aspect_ratio_policy '\(policyText)' is not stretch, not_larger or not_smaller")
        }
        let current = form == .current
        options = ResizeAxis.Options(
            mode: mode, nearestMode: current ? nearestMode : .legacy,
            coordinateMode: current ? coordinateMode : .asymmetric,
            cubicCoeffA: Double(try node.float("cubic_coeff_a", default: -0.75)),
            excludeOutside: try node.int("exclude_outside", default: 0) != 0,
            antialias: try node.int("antialias", default: 0) != 0)
        extrapolationValue = try node.float("extrapolation_value", default: 0)
        axes = try node.ints("axes")
        aspectPolicy = policy
        scalesAttribute = form == .upsample7 ? try node.required("scales", node.floats) : nil
    }

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let rank = x.rank
        let axes = try ShapeSupport.axes(self.axes ?? Array(0..<rank), rank: rank, "\(name) axes")
        let plan = try sizes(inputs, x.shape, axes)
        let passes = plan.filter { !$0.identity }.map { a in
            ResizeAxis(input: x.shape[a.axis], output: a.output, scale: a.scale, roi: a.roi, options)
        }
        let passAxes = plan.filter { !$0.identity }.map(\.axis)
        var outShape = x.shape
        for a in plan { outShape[a.axis] = a.output }
        _ = try ShapeSupport.allocate(.float32, outShape)  // refuse absurd sizes before any work
        var current = try floatInput(x)
        for (pass, axis) in zip(passes, passAxes) {
            var shape = current.shape
            shape[axis] = pass.output
            var next = try ShapeSupport.allocate(.float32, shape)
            if next.count > 0 {
                let source = current
                source.withUnsafeBufferPointer(of: Float.self) { px in
                    next.withUnsafeMutableBufferPointer(of: Float.self) { py in
                        pass.apply(
                            px.baseAddress!, shape: source.shape, axis: axis,
                            extrapolation: extrapolationValue,
                            into: py.baseAddress!)
                    }
                }
            }
            current = next
        }
        return [try output(current, like: x)]
    }

    private struct AxisPlan {
        var axis: Int, output: Int, scale: Double, roi: (Double, Double)
        var identity: Bool
    }

    /// Output size, scale and region of interest of each resized axis.
    private func sizes(_ inputs: [Tensor?], _ shape: [Int], _ axes: [Int]) throws(OpError) -> [AxisPlan] {
        let rank = shape.count
        var scales: [Double]? = nil
        var sizes: [Int]? = nil
        var roi: [Double]? = nil
        switch form {
        case .upsample7: scales = scalesAttribute?.map(Double.init)
        case .legacy: scales = try inputs.required(1).doubleValuesOrThrow(name, "scales")
        case .current:
            if let r = inputs.optional(1), r.count > 0 { roi = try r.doubleValuesOrThrow(name, "roi") }
            if let s = inputs.optional(2), s.count > 0 { scales = try s.doubleValuesOrThrow(name, "scales") }
            if let s = inputs.optional(3), s.count > 0 { sizes = try ShapeSupport.ints(s, "\(name) sizes") }
        }
        let count = form == .current ? axes.count : rank
        switch (scales, sizes) {
        case (let s?, nil):
            guard s.count == count, s.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw OpError(
                    "\(name): scales \(s) must hold \(count) positive values (one per resized axis)")
            }
        case (nil, let s?):
            guard s.count == count, s.allSatisfy({ $0 >= 0 }) else {
                throw OpError(
                    "\(name): sizes \(s) must hold \(count) nonnegative values (one per resized axis)")
            }
        case (nil, nil): throw OpError("\(name): one of scales and sizes is required")
        case (_?, _?): throw OpError("\(name): only one of scales and sizes may be given")
        }
        if let r = roi, r.count != 2 * count, r.count != 2 * rank {
            throw OpError("\(name): roi \(r) must hold \(2 * count) values (starts then ends)")
        }
        let axisList = form == .current ? axes : Array(0..<rank)
        if let empty = axisList.first(where: { shape[$0] == 0 }), sizes != nil || options.antialias {
            throw OpError("\(name): cannot resize axis \(empty) of X \(MathSupport.text(shape)): it is empty")
        }
        var policyScale: Double? = nil
        if let sizes, aspectPolicy != .stretch {
            let ratios = zip(axisList, sizes).map { Double($0.1) / Double(shape[$0.0]) }
            policyScale = aspectPolicy == .notLarger ? ratios.min() : ratios.max()
        }
        var plan: [AxisPlan] = []
        for (i, axis) in axisList.enumerated() {
            let input = shape[axis]
            var scale: Double
            var output: Int
            if let policyScale {
                scale = policyScale
                let product = policyScale * Double(input) + 0.5
                guard product < Double(1 << 40) else {
                    throw OpError(
                        "\(name): sizes \(sizes ?? []) give an output far too large on axis \(axis)")
                }
                output = Int(product)
            } else if let sizes {
                output = sizes[i]
                scale = Double(output) / Double(input)
            } else if let scales {
                scale = scales[i]
                let product = scale * Double(input)
                guard product < Double(1 << 40) else {
                    throw OpError("\(name): scale \(scale) on axis \(axis) gives an output far too large")
                }
                output = Int(product.rounded(.down))
            } else {
                preconditionFailure("scales or sizes checked above")
            }
            var region = (0.0, 1.0)
            if let roi {
                // roi lists starts then ends, per resized axis or for every axis.
                let (index, half) = roi.count == 2 * rank ? (axis, rank) : (i, count)
                region = (roi[index], roi[index + half])
            }
            // Antialiasing widens the kernel by 1/scale; beyond this the tap tables explode.
            guard !options.antialias || scale >= 1e-6 else {
                throw OpError("\(name): scale \(scale) on axis \(axis) is too small for antialias")
            }
            let cropping = options.coordinateMode == .tfCropAndResize && region != (0, 1)
            // An empty axis stays empty (scales only; sizes on an empty axis were refused).
            plan.append(
                AxisPlan(
                    axis: axis, output: output, scale: scale, roi: region,
                    identity: input == 0 || (scale == 1 && output == input && !cropping)))
        }
        return plan
    }

    private func floatInput(_ x: Tensor) throws(OpError) -> Tensor {
        guard x.dtype != .bool, x.dtype != .string else {
            throw OpError("\(name): dtype \(x.dtype) is not supported")
        }
        return try MathSupport.cast(x, to: .float32)
    }

    private func output(_ y: Tensor, like x: Tensor) throws(OpError) -> Tensor {
        guard x.dtype.isInteger else { return try NNSupport.restore(y, to: x.dtype) }
        let values = y.scalars(as: Float.self).map { Double($0).rounded(.toNearestOrEven) }
        return try ShapeSupport.tensor(values, dtype: x.dtype, shape: y.shape)
    }
}

extension Tensor {
    /// The elements as Double, or an OpError naming the op and input.
    fileprivate func doubleValuesOrThrow(_ op: String, _ what: String) throws(OpError) -> [Double] {
        do { return try doubleValues() } catch { throw OpError("\(op): \(what): \(error)") }
    }
}
