import GraphIR
import Kernels
import TensorCore

/// The sliding-window attributes of Conv, ConvTranspose and the pooling ops (kernel_shape,
/// strides, dilations, pads, auto_pad, ceil_mode), parsed at plan time and resolved against
/// an input shape at run time.
/// https://onnx.ai/onnx/operators/onnx__Conv.html, https://onnx.ai/onnx/operators/onnx__MaxPool.html
struct WindowAttributes: Sendable {
    enum AutoPad: String, Sendable {
        case notSet = "NOTSET"
        case sameUpper = "SAME_UPPER"
        case sameLower = "SAME_LOWER"
        case valid = "VALID"
    }

    /// Attribute values beyond this are refused, which keeps every shape formula below far
    /// from Int overflow (inputs hold at most 2³⁴ bytes).
    static let maxAttributeValue = 1 << 20

    let op: String
    let kernelShape: [Int]?
    let strides: [Int]?
    let dilations: [Int]?
    let pads: [Int]?
    let autoPad: AutoPad
    let ceilMode: Bool

    init(_ node: Node, op: String) throws {
        self.op = op
        func read(_ name: String, minimum: Int) throws -> [Int]? {
            guard let values = try node.ints(name) else { return nil }
            if let bad = values.first(where: { $0 < minimum || $0 > Self.maxAttributeValue }) {
                throw OpError(
                    "\(op): attribute '\(name)' value \(bad) is outside \(minimum)...\(Self.maxAttributeValue) (got \(values))"
                )
            }
            return values
        }
        kernelShape = try read("kernel_shape", minimum: 1)
        strides = try read("strides", minimum: 1)
        dilations = try read("dilations", minimum: 1)
        pads = try read("pads", minimum: 0)
        let autoPadText = try node.string("auto_pad", default: "NOTSET")
        // Some exporters write an empty string for the default.
        guard let autoPad = AutoPad(rawValue: autoPadText.isEmpty ? "NOTSET" : autoPadText) else {
            throw OpError("\(op): auto_pad '\(autoPadText)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
        self.autoPad = autoPad
        ceilMode = try node.int("ceil_mode", default: 0) != 0
    }

    /// strides, dilations and pads for `rank` spatial axes, defaults filled in; an error when
    /// an attribute has the wrong length.
    func explicit(rank: Int) throws(OpError) -> (strides: [Int], dilations: [Int], pads: [Int]) {
        func check(_ name: String, _ values: [Int]?, _ count: Int, _ fill: Int) throws(OpError) -> [Int] {
            guard let values else { return Array(repeating: fill, count: count) }
            guard values.count == count else {
                throw OpError(
                    "\(op): attribute '\(name)' has \(values.count) values \(values), expected \(count) for \(rank) spatial axes"
                )
            }
            return values
        }
        return (
            try check("strides", strides, rank, 1), try check("dilations", dilations, rank, 1),
            try check("pads", pads, 2 * rank, 0)
        )
    }

    /// The kernel's spatial shape: `kernel_shape`, which must agree with `weights` when both
    /// are known (Conv), or the weights' shape alone.
    func kernel(rank: Int, weights: [Int]?) throws(OpError) -> [Int] {
        switch (kernelShape, weights) {
        case (let attribute?, let weights?):
            guard attribute == weights else {
                throw OpError(
                    "\(op): kernel_shape \(attribute) does not match the weights' spatial shape \(weights)")
            }
            return attribute
        case (let attribute?, nil):
            guard attribute.count == rank else {
                throw OpError(
                    "\(op): kernel_shape \(attribute) has \(attribute.count) values, expected \(rank) for the input's spatial axes"
                )
            }
            return attribute
        case (nil, let weights?): return weights
        case (nil, nil): throw OpError("\(op): attribute 'kernel_shape' is required")
        }
    }

    /// The window geometry of a forward window (Conv, pooling) over spatial dims `input`.
    func forward(input: [Int], kernel: [Int]) throws(OpError) -> WindowGeometry {
        let rank = input.count
        let (strides, dilations, pads) = try explicit(rank: rank)
        var output = [Int]()
        var padBegin = [Int]()
        var padEnd = [Int]()
        for a in 0..<rank {
            let extent = (kernel[a] - 1) * dilations[a] + 1
            let s = strides[a]
            switch autoPad {
            case .notSet:
                let span = input[a] + pads[a] + pads[rank + a] - extent
                var out = (ceilMode ? WindowGeometry.ceilDiv(span, s) : Self.floorDiv(span, s)) + 1
                // A window of its own must start inside the input or the leading padding.
                if ceilMode, (out - 1) * s >= input[a] + pads[a] { out -= 1 }
                guard out >= 0 else {
                    throw OpError(
                        "\(op): the dilated kernel (\(extent)) on axis \(a) is larger than the padded input (\(input[a]) + pads \(pads[a]), \(pads[rank + a]))"
                    )
                }
                output.append(out)
                padBegin.append(pads[a])
                padEnd.append(pads[rank + a])
            case .sameUpper, .sameLower:
                let out = (input[a] + s - 1) / s
                let total = max(0, (out - 1) * s + extent - input[a])
                let small = total / 2
                output.append(out)
                padBegin.append(autoPad == .sameUpper ? small : total - small)
                padEnd.append(autoPad == .sameUpper ? total - small : small)
            case .valid:
                guard input[a] >= extent else {
                    throw OpError(
                        "\(op): the dilated kernel (\(extent)) on axis \(a) is larger than the input (\(input[a])) with auto_pad VALID"
                    )
                }
                output.append((input[a] - extent) / s + 1)
                padBegin.append(0)
                padEnd.append(0)
            }
        }
        try Self.checkSizes(output: output, kernel: kernel, op)
        return WindowGeometry(
            input: input, output: output, kernel: kernel, strides: strides,
            dilations: dilations, padBegin: padBegin, padEnd: padEnd)
    }

    /// Throws unless the window grid and the kernel have element counts that fit in Int (the
    /// geometry multiplies them out).
    static func checkSizes(output: [Int], kernel: [Int], _ op: String) throws(OpError) {
        do {
            _ = try Shape.elementCount(output)
            _ = try Shape.elementCount(kernel)
        } catch {
            throw OpError("\(op): output \(output) or kernel \(kernel) has too many elements")
        }
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
