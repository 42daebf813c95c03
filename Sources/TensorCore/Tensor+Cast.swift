/// Element type conversion, as ONNX `Cast` does it: https://onnx.ai/onnx/operators/onnx__Cast.html
///
/// Rules (every pair of numeric and bool dtypes):
/// - integer → integer wraps (keeps the low bits), as a C cast does;
/// - integer or float → float rounds to nearest, ties to even; float64 and integers reach
///   bfloat16 through float32, as onnxruntime does;
/// - float → integer truncates toward zero. NaN and out-of-range values never trap: they follow
///   the x86-64 conversion instructions, which is what numpy and onnxruntime produce there
///   (NaN → `Int32.min` / `Int64.min`; int8/int16/uint8/uint16 take the low bits of the int32
///   conversion, so NaN → 0; uint32/uint64 use the compilers' split at 2³¹ / 2⁶³);
/// - anything → bool is `value != 0` (NaN → true); bool → number is 0 or 1.
extension Tensor {
    /// This tensor's elements converted to `target`; `self` (no copy) when the dtype already matches.
    ///
    /// ```swift
    /// let ids = try Tensor([1.9, -1.9] as [Float]).cast(to: .int64)  // [1, -1]
    /// ```
    /// - Throws: `TensorError.unsupportedDType` for `string`.
    public func cast(to target: DType) throws(TensorError) -> Tensor {
        try cast(to: target, saturate: true)
    }

    /// As ``cast(to:)``, with Cast's options for the low-precision targets: `saturate` (opset
    /// 19) maps out-of-range values and infinities to the largest finite float8 value instead of
    /// infinity or NaN; `roundMode` (opset 24) says how float8 E8M0 rounds to a power of two.
    /// Low-precision sources are decoded exactly first (to float32, int8 or uint8).
    public func cast(
        to target: DType, saturate: Bool, roundMode: LowPrecision.RoundMode = .up
    ) throws(TensorError) -> Tensor {
        if target == dtype { return self }
        guard dtype != .string else { throw .unsupportedDType(.string, "as a Cast source") }
        guard target != .string else { throw .unsupportedDType(.string, "as a Cast target") }
        if dtype.isLowPrecision {
            return try decodedLowPrecision().cast(to: target, saturate: saturate, roundMode: roundMode)
        }
        if target.isLowPrecision { return try encodedLowPrecision(target, saturate: saturate, roundMode: roundMode) }
        var out = try Tensor(uninitialized: target, shape: shape)
        switch dtype {
        case .float32: castElements(Float.self, into: &out)
        case .float64: castElements(Double.self, into: &out)
        case .float16: castElements(Float16.self, into: &out)
        case .bfloat16: castElements(BFloat16.self, into: &out)
        case .int8: castElements(Int8.self, into: &out)
        case .int16: castElements(Int16.self, into: &out)
        case .int32: castElements(Int32.self, into: &out)
        case .int64: castElements(Int64.self, into: &out)
        case .uint8: castElements(UInt8.self, into: &out)
        case .uint16: castElements(UInt16.self, into: &out)
        case .uint32: castElements(UInt32.self, into: &out)
        case .uint64: castElements(UInt64.self, into: &out)
        case .bool: castElements(Bool.self, into: &out)
        case .string: break  // rejected above
        default: preconditionFailure("low-precision source handled above")
        }
        return out
    }

    /// A low-precision tensor's values exactly: 4- and 2-bit integers as int8 or uint8 (their
    /// bytes already are), float types as float32.
    private func decodedLowPrecision() throws(TensorError) -> Tensor {
        switch dtype {
        case .int4, .int2: return try Tensor(dtype: .int8, shape: shape, storage: storage)
        case .uint4, .uint2: return try Tensor(dtype: .uint8, shape: shape, storage: storage)
        default:
            var table = [Float](repeating: 0, count: 256)
            for code in 0..<256 { table[code] = LowPrecision.decode(UInt8(code), dtype) }
            var out = try Tensor(uninitialized: .float32, shape: shape)
            withUnsafeRawBytes { src in
                out.withUnsafeMutableBufferPointer(of: Float.self) { dst in
                    for i in 0..<dst.count { dst[i] = table[Int(src[i])] }
                }
            }
            return out
        }
    }

    /// This (standard-dtype) tensor encoded as low-precision `target`: integers keep their low
    /// bits, everything else goes through `Double` (exact for every float source).
    private func encodedLowPrecision(
        _ target: DType, saturate: Bool, roundMode: LowPrecision.RoundMode
    ) throws(TensorError) -> Tensor {
        var out = try Tensor(uninitialized: target, shape: shape)
        let integerTarget = target == .int4 || target == .uint4 || target == .int2 || target == .uint2
        let codes: [UInt8]
        if integerTarget && (dtype.isInteger || dtype == .bool) {
            codes = try intValues().map { LowPrecision.wrap(Int64($0), target) }
        } else {
            codes = try doubleValues().map {
                LowPrecision.encode($0, target, saturate: saturate, roundMode: roundMode)
            }
        }
        out.withUnsafeMutableRawBytes { dst in
            for (i, code) in codes.enumerated() { dst[i] = code }
        }
        return out
    }

    private func castElements<S: CastSource>(_ source: S.Type, into out: inout Tensor) {
        switch out.dtype {
        case .float32: castElements(S.self, Float.self, into: &out)
        case .float64: castElements(S.self, Double.self, into: &out)
        case .float16: castElements(S.self, Float16.self, into: &out)
        case .bfloat16: castElements(S.self, BFloat16.self, into: &out)
        case .int8: castElements(S.self, Int8.self, into: &out)
        case .int16: castElements(S.self, Int16.self, into: &out)
        case .int32: castElements(S.self, Int32.self, into: &out)
        case .int64: castElements(S.self, Int64.self, into: &out)
        case .uint8: castElements(S.self, UInt8.self, into: &out)
        case .uint16: castElements(S.self, UInt16.self, into: &out)
        case .uint32: castElements(S.self, UInt32.self, into: &out)
        case .uint64: castElements(S.self, UInt64.self, into: &out)
        case .bool: castElements(S.self, Bool.self, into: &out)
        case .string: preconditionFailure("string cast target rejected before allocation")
        default: preconditionFailure("low-precision target handled before allocation")
        }
    }

    // src and dst hold `count` elements each, same shape.
    private func castElements<S: CastSource, D: CastDestination>(
        _ source: S.Type, _ destination: D.Type, into out: inout Tensor
    ) {
        withUnsafeBufferPointer(of: S.self) { src in
            out.withUnsafeMutableBufferPointer(of: D.self) { dst in
                for i in 0..<src.count { dst[i] = src[i].converted(to: D.self) }
            }
        }
    }
}

// MARK: - Per-element conversion

/// An element that can be converted to every ``CastDestination``; it says which of the four
/// source kinds it is, so each destination needs only four conversions instead of thirteen.
protocol CastSource: TensorElement {
    func converted<D: CastDestination>(to: D.Type) -> D
}

/// An element that can be built from each of the four source kinds.
protocol CastDestination: TensorElement {
    init(castingSigned value: Int64)
    init(castingUnsigned value: UInt64)
    init(castingFloat value: Float)
    init(castingDouble value: Double)
}

extension Float: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingFloat: self) }
}
extension Double: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingDouble: self) }
}
extension Float16: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingFloat: Float(self)) }
}
extension BFloat16: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingFloat: floatValue) }
}
extension Bool: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingSigned: self ? 1 : 0) }
}
extension Int8: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingSigned: Int64(self)) }
}
extension Int16: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingSigned: Int64(self)) }
}
extension Int32: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingSigned: Int64(self)) }
}
extension Int64: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingSigned: self) }
}
extension UInt8: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingUnsigned: UInt64(self)) }
}
extension UInt16: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingUnsigned: UInt64(self)) }
}
extension UInt32: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingUnsigned: UInt64(self)) }
}
extension UInt64: CastSource {
    func converted<D: CastDestination>(to: D.Type) -> D { D(castingUnsigned: self) }
}

extension Float: CastDestination {
    init(castingSigned value: Int64) { self.init(value) }
    init(castingUnsigned value: UInt64) { self.init(value) }
    init(castingFloat value: Float) { self = value }
    init(castingDouble value: Double) { self.init(value) }
}

extension Double: CastDestination {
    init(castingSigned value: Int64) { self.init(value) }
    init(castingUnsigned value: UInt64) { self.init(value) }
    init(castingFloat value: Float) { self.init(value) }
    init(castingDouble value: Double) { self = value }
}

extension Float16: CastDestination {
    init(castingSigned value: Int64) { self.init(value) }
    init(castingUnsigned value: UInt64) { self.init(value) }
    init(castingFloat value: Float) { self.init(value) }
    init(castingDouble value: Double) { self.init(value) }
}

extension BFloat16: CastDestination {
    init(castingSigned value: Int64) { self.init(Float(value)) }
    init(castingUnsigned value: UInt64) { self.init(Float(value)) }
    init(castingFloat value: Float) { self.init(value) }
    init(castingDouble value: Double) { self.init(Float(value)) }
}

extension Bool: CastDestination {
    init(castingSigned value: Int64) { self = value != 0 }
    init(castingUnsigned value: UInt64) { self = value != 0 }
    init(castingFloat value: Float) { self = value != 0 }
    init(castingDouble value: Double) { self = value != 0 }
}

/// Integers: wrap from integers; from floats, the int32 conversion's low bits (overridden below
/// for the four types the hardware converts to directly).
extension CastDestination where Self: FixedWidthInteger {
    init(castingSigned value: Int64) { self.init(truncatingIfNeeded: value) }
    init(castingUnsigned value: UInt64) { self.init(truncatingIfNeeded: value) }
    init(castingFloat value: Float) { self.init(castingDouble: Double(value)) }
    init(castingDouble value: Double) { self.init(truncatingIfNeeded: FloatToInteger.int32(value)) }
}

extension Int8: CastDestination {}
extension Int16: CastDestination {}
extension UInt8: CastDestination {}
extension UInt16: CastDestination {}
extension Int32: CastDestination {
    init(castingDouble value: Double) { self = FloatToInteger.int32(value) }
}
extension Int64: CastDestination {
    init(castingDouble value: Double) { self = FloatToInteger.int64(value) }
}
extension UInt32: CastDestination {
    init(castingDouble value: Double) { self = FloatToInteger.uint32(value) }
}
extension UInt64: CastDestination {
    init(castingDouble value: Double) { self = FloatToInteger.uint64(value) }
}

/// Float → integer conversions that truncate toward zero and give the x86-64 "integer
/// indefinite" value (the type's minimum) for NaN and out-of-range inputs instead of trapping.
public enum FloatToInteger {
    /// `cvttsd2si` to 32 bits.
    @inline(__always)
    public static func int32(_ value: Double) -> Int32 {
        // The range test is false for NaN, which therefore takes the indefinite value too.
        value > -2_147_483_649.0 && value < 2_147_483_648.0 ? Int32(value) : .min
    }

    /// `cvttsd2si` to 64 bits. -2⁶³ is exact in Double; 2⁶³ is the first value out of range.
    @inline(__always)
    public static func int64(_ value: Double) -> Int64 {
        value >= -9_223_372_036_854_775_808.0 && value < 9_223_372_036_854_775_808.0 ? Int64(value) : .min
    }

    /// What compilers emit for float → uint32 without AVX-512: values ≥ 2³¹ are shifted down
    /// before the signed conversion and the top bit is put back.
    @inline(__always)
    public static func uint32(_ value: Double) -> UInt32 {
        let split = 2_147_483_648.0
        if value >= split { return UInt32(bitPattern: int32(value - split)) ^ 0x8000_0000 }
        return UInt32(bitPattern: int32(value))
    }

    /// As ``uint32(_:)``, split at 2⁶³.
    @inline(__always)
    public static func uint64(_ value: Double) -> UInt64 {
        let split = 9_223_372_036_854_775_808.0
        if value >= split { return UInt64(bitPattern: int64(value - split)) ^ 0x8000_0000_0000_0000 }
        return UInt64(bitPattern: int64(value))
    }
}
