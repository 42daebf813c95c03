import Interpreter
import Patching
import TensorCore

/// Runs one inserted `Patch` node: resolves the index against the value's actual shape, converts
/// the patch value to the value's dtype (losslessly only), and applies the kernel or closure.
struct PatchOperator: Operator {
    let patch: Patch
    /// The loaded `@file.npy` value, or nil for numbers and kinds without a value.
    let fileValue: Tensor?

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let spec = patch.spec
        let region: Region
        do {
            region = try spec.index.region(in: x.shape)
        } catch {
            throw PatchError.badArgument(spec: spec.text, reason: "\(error)")
        }
        if let custom = patch.custom { return try applyCustom(custom, region: region, to: x) }
        let operation: PatchKernel.Operation
        let argument: PatchSpec.Argument?
        switch spec.kind {
        case .zero: (operation, argument) = (.zero, nil)
        case .add(let a): (operation, argument) = (.add, a)
        case .mul(let a): (operation, argument) = (.mul, a)
        case .replace(let a): (operation, argument) = (.replace, a)
        case .probe: return [x]
        }
        let value = try argument.map { (a) throws(PatchError) in try self.value(a, as: x.dtype) }
        do {
            return [try PatchKernel.apply(operation, region: region, value: value, to: x)]
        } catch {
            throw PatchError.badArgument(spec: spec.text, reason: Self.reason(error))
        }
    }

    func value(_ argument: PatchSpec.Argument, as dtype: DType) throws(PatchError) -> Tensor {
        switch argument {
        case .number(let number):
            return try PatchValues.scalar(number, as: dtype, spec: patch.spec.text)
        case .file:
            guard let fileValue else { throw .badArgument(spec: patch.spec.text, reason: "value file was not loaded") }
            return try PatchValues.convert(fileValue, to: dtype, spec: patch.spec.text)
        }
    }

    /// Extracts the region, calls the closure, and writes its result back in place of the region.
    func applyCustom(_ body: Patch.Body, region: Region, to x: Tensor) throws -> [Tensor] {
        if region.isWhole(of: x.shape) {
            let y = try body(x)
            guard y.shape == x.shape, y.dtype == x.dtype else {
                throw PatchError.badArgument(spec: patch.spec.text, reason: "closure returned \(y.dtype)\(y.shape) for a \(x.dtype)\(x.shape) value")
            }
            return [y]
        }
        let part = try PatchKernel.extract(region: region, from: x)
        let y = try body(part)
        guard y.shape == part.shape, y.dtype == part.dtype else {
            throw PatchError.badArgument(spec: patch.spec.text, reason: "closure returned \(y.dtype)\(y.shape) for a \(part.dtype)\(part.shape) region")
        }
        return [try PatchKernel.apply(.replace, region: region, value: y, to: x)]
    }

    static func reason(_ error: PatchError) -> String {
        if case .badArgument(_, let reason) = error { return reason }
        return error.description
    }
}

/// Patch values as the target's dtype: numbers must fit, arrays must convert without loss.
enum PatchValues {
    static func scalar(_ number: Double, as dtype: DType, spec: String) throws(PatchError) -> Tensor {
        let value = Tensor(scalar: number)
        if dtype.isFloatingPoint {
            do { return try value.cast(to: dtype) } catch { throw .badArgument(spec: spec, reason: "\(error)") }
        }
        let fits: Bool
        switch dtype {
        case .bool: fits = number == 0 || number == 1
        case .int8: fits = number.rounded() == number && abs(number) <= 128 && number < 128
        case .uint8: fits = number.rounded() == number && number >= 0 && number <= 255
        case .int16: fits = number.rounded() == number && number >= -32768 && number <= 32767
        case .uint16: fits = number.rounded() == number && number >= 0 && number <= 65535
        case .int32: fits = number.rounded() == number && number >= -2_147_483_648 && number <= 2_147_483_647
        case .uint32: fits = number.rounded() == number && number >= 0 && number <= 4_294_967_295
        case .int64: fits = number.rounded() == number && number >= -9.223372036854775808e18 && number < 9.223372036854775808e18
        case .uint64: fits = number.rounded() == number && number >= 0 && number < 1.8446744073709551616e19
        default: fits = false
        }
        guard fits else {
            throw .badArgument(spec: spec, reason: "\(number) does not fit the target's dtype \(dtype) exactly")
        }
        do { return try value.cast(to: dtype) } catch { throw .badArgument(spec: spec, reason: "\(error)") }
    }

    /// Conversions that keep every value exactly.
    static func isLossless(from source: DType, to target: DType) -> Bool {
        if source == target || source == .bool { return target != .string }
        let bits = source.byteSize * 8
        switch target {
        case .float64: return source.isFloatingPoint || (source.isInteger && bits <= 32)
        case .float32: return source == .float16 || source == .bfloat16 || (source.isInteger && bits <= 16)
        case .float16, .bfloat16: return source.isInteger && bits <= 8
        case .int16, .int32, .int64:
            return source.isInteger && bits < target.byteSize * 8
        case .uint16, .uint32, .uint64:
            return source.isUnsignedInteger && bits < target.byteSize * 8
        default: return false
        }
    }

    static func convert(_ value: Tensor, to dtype: DType, spec: String) throws(PatchError) -> Tensor {
        if value.dtype == dtype { return value }
        guard isLossless(from: value.dtype, to: dtype) else {
            throw .badArgument(spec: spec, reason: "the value is \(value.dtype) but the target is \(dtype), and \(value.dtype) does not convert to \(dtype) without loss")
        }
        do { return try value.cast(to: dtype) } catch { throw .badArgument(spec: spec, reason: "\(error)") }
    }
}
