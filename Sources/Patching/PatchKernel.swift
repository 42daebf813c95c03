import TensorCore

/// Applies one patch kind to the indexed region of a tensor. Pure tensor code: the interpreter
/// runs it through a node, never knowing what a patch is.
public enum PatchKernel {
    public enum Operation: Sendable {
        case zero, add, mul, replace
    }

    /// Returns `tensor` with `operation` applied over `region`, using `value` broadcast to the
    /// region's shape (ignored for `.zero`). `value` must already have the tensor's dtype.
    public static func apply(
        _ operation: Operation, region: Region, value: Tensor?, to tensor: Tensor
    ) throws(PatchError) -> Tensor {
        var result = tensor
        let offsets = Self.offsets(of: region, in: tensor.shape)
        let size = tensor.dtype.byteSize
        if operation == .zero {
            result.withUnsafeMutableRawBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                for offset in offsets { (base + offset * size).initializeMemory(as: UInt8.self, repeating: 0, count: size) }
            }
            return result
        }
        guard let value else { throw .badArgument(spec: "\(operation)", reason: "needs a value") }
        let expanded = try broadcastIndices(value.shape, to: region.shape)
        if operation == .replace {
            value.withUnsafeRawBytes { source in
                guard let from = source.baseAddress else { return }
                result.withUnsafeMutableRawBytes { bytes in
                    guard let base = bytes.baseAddress else { return }
                    for (k, offset) in offsets.enumerated() {
                        (base + offset * size).copyMemory(from: from + expanded[k] * size, byteCount: size)
                    }
                }
            }
            return result
        }
        func combine<T: TensorElement & FloatingPoint>(_ type: T.Type) {
            value.withUnsafeBufferPointer(of: T.self) { v in
                result.withUnsafeMutableBufferPointer(of: T.self) { x in
                    for (k, offset) in offsets.enumerated() {
                        x[offset] = operation == .add ? x[offset] + v[expanded[k]] : x[offset] * v[expanded[k]]
                    }
                }
            }
        }
        // Integers wrap on overflow, as in NumPy (the values come from the user: no trap).
        func combineWrapping<T: TensorElement & FixedWidthInteger>(_ type: T.Type) {
            value.withUnsafeBufferPointer(of: T.self) { v in
                result.withUnsafeMutableBufferPointer(of: T.self) { x in
                    for (k, offset) in offsets.enumerated() {
                        x[offset] = operation == .add ? x[offset] &+ v[expanded[k]] : x[offset] &* v[expanded[k]]
                    }
                }
            }
        }
        switch tensor.dtype {
        case .float32: combine(Float.self)
        case .float64: combine(Double.self)
        case .float16: combine(Float16.self)
        case .int8: combineWrapping(Int8.self)
        case .int16: combineWrapping(Int16.self)
        case .int32: combineWrapping(Int32.self)
        case .int64: combineWrapping(Int64.self)
        case .uint8: combineWrapping(UInt8.self)
        case .uint16: combineWrapping(UInt16.self)
        case .uint32: combineWrapping(UInt32.self)
        case .uint64: combineWrapping(UInt64.self)
        case .bfloat16:
            value.withUnsafeBufferPointer(of: BFloat16.self) { v in
                result.withUnsafeMutableBufferPointer(of: BFloat16.self) { x in
                    for (k, offset) in offsets.enumerated() {
                        let a = x[offset].floatValue, b = v[expanded[k]].floatValue
                        x[offset] = BFloat16(operation == .add ? a + b : a * b)
                    }
                }
            }
        case .bool, .string, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0,
            .float4e2m1, .uint4, .int4, .uint2, .int2:
            throw .badArgument(spec: "\(operation)", reason: "cannot \(operation) a \(tensor.dtype) tensor")
        }
        return result
    }

    /// Element offsets (row-major, in elements) of every position of `region`, in region order.
    static func offsets(of region: Region, in shape: [Int]) -> [Int] {
        let strides = Shape.strides(shape)
        var result = [0]
        result.reserveCapacity(region.elementCount)
        for (axis, a) in region.axes.enumerated() {
            let base = result
            result.removeAll(keepingCapacity: true)
            for offset in base {
                for i in 0..<a.count { result.append(offset + (a.start + i * a.step) * strides[axis]) }
            }
        }
        return result
    }

    /// For each element of `target` (row-major), the index into a tensor of `shape` broadcast to it.
    static func broadcastIndices(_ shape: [Int], to target: [Int]) throws(PatchError) -> [Int] {
        guard shape.count <= target.count,
              zip(shape.reversed(), target.reversed()).allSatisfy({ $0 == $1 || $0 == 1 })
        else {
            throw .badArgument(spec: "value", reason: "a value of shape \(shape) does not broadcast to the region's shape \(target)")
        }
        let strides = Shape.broadcastStrides(shape, to: target)
        var result = [0]
        for (axis, n) in target.enumerated() {
            let base = result
            result.removeAll(keepingCapacity: true)
            for offset in base {
                for i in 0..<n { result.append(offset + i * strides[axis]) }
            }
        }
        return result
    }
}

extension PatchKernel {
    /// The indexed region of `tensor` as a tensor of the region's shape.
    public static func extract(region: Region, from tensor: Tensor) throws(PatchError) -> Tensor {
        let offsets = offsets(of: region, in: tensor.shape)
        let size = tensor.dtype.byteSize
        var result: Tensor
        do {
            result = try Tensor(uninitialized: tensor.dtype, shape: region.shape)
        } catch {
            throw .badArgument(spec: "region", reason: "\(error)")
        }
        tensor.withUnsafeRawBytes { source in
            guard let from = source.baseAddress else { return }
            result.withUnsafeMutableRawBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                for (k, offset) in offsets.enumerated() {
                    (base + k * size).copyMemory(from: from + offset * size, byteCount: size)
                }
            }
        }
        return result
    }
}
