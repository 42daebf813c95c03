// libFuzzer target: patch specs (`TARGET[INDEX]=KIND[:ARG]`), then what `run` does with a parsed
// spec: the index's region in tensors of a few shapes and the patch kernel over that region.
// Built by tools/fuzz.sh.

import Patching
import TensorCore

/// Shapes a target might have; the last ones hold extreme values, for integer overflow.
private let shapes: [[Int]] = [[], [5], [2, 3, 4], [0, 3], [1, 1, 7], [3, 1, 2, 1, 2]]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatchSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let spec: PatchSpec
    do {
        spec = try PatchSpec.parse(text)
    } catch {
        precondition(!error.description.isEmpty)
        return 0
    }
    precondition(!spec.target.isEmpty, "parsed an empty target")
    // The index must print as something that parses back to the same items.
    if !spec.index.items.isEmpty {
        let reparsed = try? IndexExpression.parse(spec.index.description)
        precondition(reparsed == spec.index, "index '\(spec.index)' does not parse back")
    }
    for shape in shapes {
        guard let region = try? spec.index.region(in: shape) else { continue }
        precondition(region.axes.count == shape.count, "region rank \(region.axes.count) for \(shape)")
        for (axis, a) in region.axes.enumerated() where a.count > 0 {
            let last = a.start + (a.count - 1) * a.step
            precondition(a.start >= 0 && a.start < shape[axis] && last >= 0 && last < shape[axis],
                         "region axis \(axis) \(a) leaves shape \(shape)")
        }
        let count = shape.reduce(1, *)
        let floats = Tensor(shape: shape, scalars: (0..<count).map { Float($0) })
        let ints = Tensor(shape: shape, scalars: (0..<count).map { Int64.max - Int64($0) })
        let operation: PatchKernel.Operation
        var number = 0.0
        switch spec.kind {
        case .zero, .probe: operation = .zero
        case .add(let a), .mul(let a), .replace(let a):
            if case .add = spec.kind { operation = .add } else if case .mul = spec.kind { operation = .mul } else { operation = .replace }
            if case .number(let n) = a { number = n }
        }
        let floatValue = Tensor(scalar: Float(number))
        _ = try? PatchKernel.apply(operation, region: region, value: floatValue, to: floats)
        _ = try? PatchKernel.extract(region: region, from: floats)
        // Integer targets take numbers that fit exactly (ONNXPatch's PatchValues checks this).
        if number.rounded() == number, number >= -9.223372036854775808e18, number < 9.223372036854775808e18 {
            let intValue = Tensor(scalar: Int64(number))
            _ = try? PatchKernel.apply(operation, region: region, value: intValue, to: ints)
        }
    }
    return 0
}
