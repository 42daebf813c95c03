/// Encoding and decoding of the low-precision element types (one byte per element in memory,
/// see ``DType``): float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0), float4 E2M1, and the 4- and
/// 2-bit integers. https://onnx.ai/onnx/technical/float8.html, .../float4.html, .../int4.html
public enum LowPrecision {
    /// A small float format: sign, `exponentBits`, `mantissaBits`, and how it spends the top codes.
    struct Minifloat {
        let exponentBits: Int
        let mantissaBits: Int
        let bias: Int
        /// The code of +infinity (E5M2 only; the other formats have none).
        let infinityCode: UInt8?
        /// `FNUZ` formats: 0x80 is the only NaN and there is no negative zero.
        let unsignedZero: Bool
        /// The code of the largest finite magnitude (without sign). Codes above it (up to the
        /// sign bit) are infinity or NaN.
        let maxCode: UInt8

        var signBit: UInt8 { UInt8(1) << (exponentBits + mantissaBits) }

        /// The value of `code`.
        func decode(_ code: UInt8) -> Float {
            let magnitudeBits = code & (signBit - 1)
            let negative = code & signBit != 0
            if unsignedZero && code == 0x80 { return .nan }
            if magnitudeBits > maxCode {
                if magnitudeBits == infinityCode { return negative ? -.infinity : .infinity }
                return .nan
            }
            let exponent = Int(magnitudeBits >> mantissaBits)
            let mantissa = Float(magnitudeBits & ((1 << mantissaBits) - 1))
            let scale = Float(1 << mantissaBits)
            let magnitude =
                exponent == 0
                ? Float(sign: .plus, exponent: 1 - bias, significand: mantissa / scale)
                : Float(sign: .plus, exponent: exponent - bias, significand: 1 + mantissa / scale)
            return negative ? -magnitude : magnitude
        }

        /// The code nearest `value` (ties to even). Out-of-range values and infinities become the
        /// largest finite value when `saturate`, else infinity (E5M2) or NaN. Float4 E2M1 has
        /// no NaN and always saturates; NaN becomes a zero of the opposite sign, as ml_dtypes has it.
        func encode(_ value: Double, saturate: Bool) -> UInt8 {
            let sign: UInt8 = value.sign == .minus ? signBit : 0
            let hasNaN = maxCode < signBit - 1 || unsignedZero
            if value.isNaN { return hasNaN ? (unsignedZero ? 0x80 : signBit - 1) : sign ^ signBit }
            let overflow: UInt8
            if saturate || !hasNaN {
                overflow = maxCode | sign
            } else if let infinityCode {
                overflow = infinityCode | sign
            } else {
                overflow = unsignedZero ? 0x80 : signBit - 1
            }
            let magnitude = value.magnitude
            if magnitude.isInfinite { return overflow }
            if magnitude == 0 { return unsignedZero ? 0 : sign }
            // Round on the grid of the value's binade (the subnormal grid below the normals).
            let exponent = max(Int(magnitude.exponent), 1 - bias)
            let quantum = Double(sign: .plus, exponent: exponent - mantissaBits, significand: 1)
            let rounded = (magnitude / quantum).rounded(.toNearestOrEven) * quantum
            if rounded > Double(decode(maxCode)) { return overflow }
            if rounded == 0 { return unsignedZero ? 0 : sign }
            let roundedExponent = Int(rounded.exponent)
            if roundedExponent < 1 - bias {
                let subnormalQuantum = Double(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
                return UInt8(rounded / subnormalQuantum) | sign
            }
            let field = UInt8(roundedExponent + bias) << mantissaBits
            let fraction = rounded.significand - 1  // in [0, 1), a multiple of 2^-mantissaBits
            return field | UInt8(fraction * Double(1 << mantissaBits)) | sign
        }
    }

    static let e4m3fn = Minifloat(
        exponentBits: 4, mantissaBits: 3, bias: 7, infinityCode: nil, unsignedZero: false, maxCode: 0x7E)
    static let e4m3fnuz = Minifloat(
        exponentBits: 4, mantissaBits: 3, bias: 8, infinityCode: nil, unsignedZero: true, maxCode: 0x7F)
    static let e5m2 = Minifloat(
        exponentBits: 5, mantissaBits: 2, bias: 15, infinityCode: 0x7C, unsignedZero: false, maxCode: 0x7B)
    static let e5m2fnuz = Minifloat(
        exponentBits: 5, mantissaBits: 2, bias: 16, infinityCode: nil, unsignedZero: true, maxCode: 0x7F)
    static let e2m1 = Minifloat(
        exponentBits: 2, mantissaBits: 1, bias: 1, infinityCode: nil, unsignedZero: false, maxCode: 0x7)

    static func format(_ dtype: DType) -> Minifloat? {
        switch dtype {
        case .float8e4m3fn: e4m3fn
        case .float8e4m3fnuz: e4m3fnuz
        case .float8e5m2: e5m2
        case .float8e5m2fnuz: e5m2fnuz
        case .float4e2m1: e2m1
        default: nil
        }
    }

    /// How a float becomes a float8 E8M0 power of two.
    public enum RoundMode: String, Sendable {
        case up, down, nearest
    }

    /// The value of the one-byte element `code` of low-precision `dtype` (integers exactly).
    public static func decode(_ code: UInt8, _ dtype: DType) -> Float {
        switch dtype {
        case .float8e8m0: code == 0xFF ? .nan : Float(sign: .plus, exponent: Int(code) - 127, significand: 1)
        case .int4, .int2: Float(Int8(bitPattern: code))
        case .uint4, .uint2: Float(code)
        default: format(dtype)?.decode(code) ?? .nan
        }
    }

    /// `value` as a one-byte element of low-precision `dtype`. Floats round to nearest even
    /// (E8M0 by `roundMode`) and saturate or overflow as ``Minifloat/encode(_:saturate:)`` says;
    /// integers truncate toward zero and keep the low bits (sign-extended), as integer casts do.
    public static func encode(
        _ value: Double, _ dtype: DType, saturate: Bool = true, roundMode: RoundMode = .up
    ) -> UInt8 {
        switch dtype {
        case .float8e8m0: return encodeE8M0(Float(value), saturate: saturate, roundMode: roundMode)
        case .int4, .uint4, .int2, .uint2: return wrap(FloatToInteger.int64(value), dtype)
        default: return format(dtype)?.encode(value, saturate: saturate) ?? 0
        }
    }

    /// The low `packedBits` of an integer, sign-extended for int4 and int2.
    public static func wrap(_ value: Int64, _ dtype: DType) -> UInt8 {
        let bits = dtype.packedBits
        let low = UInt8(truncatingIfNeeded: value) & UInt8((1 << bits) - 1)
        guard dtype == .int4 || dtype == .int2 else { return low }
        let shift = UInt8(8 - bits)
        return UInt8(bitPattern: Int8(bitPattern: low << shift) >> shift)
    }

    /// E8M0 from a float32's exponent field, as `onnx.numpy_helper.to_float8e8m0` does: NaN and
    /// infinities give 0xFF; `up` rounds any fraction up, `nearest` looks at the guard bits.
    static func encodeE8M0(_ value: Float, saturate: Bool, roundMode: RoundMode) -> UInt8 {
        let bits = value.bitPattern
        let exponent = (bits >> 23) & 0xFF
        if exponent == 0xFF { return 0xFF }
        var roundUp: Bool
        switch roundMode {
        case .down: roundUp = false
        case .up: roundUp = bits & 0x7F_FFFF != 0
        case .nearest:
            let guardBit = bits & 0x40_0000 != 0
            let roundBit = bits & 0x20_0000 != 0
            let sticky = bits & 0x1F_FFFF != 0
            roundUp = guardBit && (roundBit || sticky || exponent > 0)
        }
        if saturate && exponent == 0xFE { roundUp = false }
        return UInt8(truncatingIfNeeded: exponent + (roundUp ? 1 : 0))
    }

    /// Unpacks `count` elements of a 4- or 2-bit `dtype` from their file layout (lowest bits
    /// first within each byte) into one byte each.
    public static func unpack(_ packed: UnsafeRawBufferPointer, count: Int, _ dtype: DType) -> [UInt8] {
        let bits = dtype.packedBits
        let perByte = 8 / bits
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let byte = packed[i / perByte]
            let code = (byte >> UInt8((i % perByte) * bits)) & UInt8((1 << bits) - 1)
            out[i] = dtype == .float4e2m1 ? code : wrap(Int64(code), dtype)
        }
        return out
    }
}
