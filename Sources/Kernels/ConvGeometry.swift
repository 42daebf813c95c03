/// Where a sliding window (convolution, pooling, im2col) reads an N-d image.
///
/// Every array has one entry per spatial axis. Output position `o` along an axis reads input
/// positions `o·stride + j·dilation − padBegin` for kernel taps `j` in `0..<kernel`; positions
/// outside `0..<input` are padding. `padEnd` only matters to pooling that counts padding.
/// The interpreter resolves ONNX attributes (auto_pad, ceil_mode) into this plain form.
public struct WindowGeometry: Sendable, Equatable {
    public var input: [Int]
    public var output: [Int]
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padBegin: [Int]
    public var padEnd: [Int]

    public init(
        input: [Int], output: [Int], kernel: [Int], strides: [Int], dilations: [Int],
        padBegin: [Int], padEnd: [Int]
    ) {
        let rank = input.count
        precondition(
            [output, kernel, strides, dilations, padBegin, padEnd].allSatisfy { $0.count == rank },
            "window geometry arrays differ in length")
        precondition(strides.allSatisfy { $0 >= 1 } && dilations.allSatisfy { $0 >= 1 }, "bad stride")
        self.input = input
        self.output = output
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.padBegin = padBegin
        self.padEnd = padEnd
    }

    public var rank: Int { input.count }
    public var inputCount: Int { input.reduce(1, *) }
    public var outputCount: Int { output.reduce(1, *) }
    public var kernelCount: Int { kernel.reduce(1, *) }

    /// The kernel taps `j` of output position `o` on `axis` that land inside the input.
    public func validTaps(axis: Int, output o: Int) -> Range<Int> {
        let start = o * strides[axis] - padBegin[axis]
        let d = dilations[axis]
        // First j with start + j·d ≥ 0, last j with start + j·d ≤ input − 1.
        let low = start >= 0 ? 0 : (-start + d - 1) / d
        let lastInput = input[axis] - 1 - start
        let high = lastInput < 0 ? 0 : min(kernel[axis], lastInput / d + 1)
        return low < high ? low..<high : low..<low
    }

    /// The output positions `o` on `axis` whose tap `j` lands inside the input.
    func validOutputs(axis: Int, tap j: Int) -> Range<Int> {
        let offset = j * dilations[axis] - padBegin[axis]
        let s = strides[axis]
        // o·s + offset in 0..<input ⇔ o in ceil(−offset / s) ..< ceil((input − offset) / s).
        let low = max(0, Self.ceilDiv(-offset, s))
        let high = min(output[axis], Self.ceilDiv(input[axis] - offset, s))
        return low < high ? low..<high : low..<low
    }

    public static func ceilDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? (a + b - 1) / b : -((-a) / b)
    }
}

/// Advances a row-major multi-index over `shape`; false after the last one.
@inline(__always)
func advance(_ index: inout [Int], _ shape: [Int], upTo rank: Int) -> Bool {
    var axis = rank - 1
    while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { return true }
        index[axis] = 0
        axis -= 1
    }
    return false
}
