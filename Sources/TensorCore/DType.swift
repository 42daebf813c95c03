/// Element types a ``Tensor`` can hold. Raw values are the ONNX `TensorProto.DataType` codes.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case float16 = 10
    case float64 = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16
    // Low-precision types (ONNX 1.15+). In memory each element takes one byte: the float8
    // codes as they are, the 4- and 2-bit types unpacked from their two- or four-per-byte file
    // layout (signed ones sign-extended, float4e2m1 as its 4-bit code). Only Cast, CastLike,
    // QuantizeLinear, DequantizeLinear and the byte-moving ops accept them; `isFloatingPoint`
    // and `isInteger` stay false so arithmetic kernels refuse them.
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    case uint4 = 21
    case int4 = 22
    case float4e2m1 = 23
    case float8e8m0 = 24
    case uint2 = 25
    case int2 = 26

    /// Bytes per element. `string` has no fixed size and is never stored in a tensor (0).
    public var byteSize: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: 1
        case .uint4, .int4, .uint2, .int2: 1
        case .float16, .bfloat16, .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64: 8
        case .string: 0
        }
    }

    /// The NumPy name (`float32`, `int64`, `bool`…), also used in `manifest.json`.
    public var name: String {
        switch self {
        case .float32: "float32"
        case .float16: "float16"
        case .bfloat16: "bfloat16"
        case .float64: "float64"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bool: "bool"
        case .string: "string"
        // ml_dtypes' names.
        case .float8e4m3fn: "float8_e4m3fn"
        case .float8e4m3fnuz: "float8_e4m3fnuz"
        case .float8e5m2: "float8_e5m2"
        case .float8e5m2fnuz: "float8_e5m2fnuz"
        case .float8e8m0: "float8_e8m0fnu"
        case .float4e2m1: "float4_e2m1fn"
        case .uint4: "uint4"
        case .int4: "int4"
        case .uint2: "uint2"
        case .int2: "int2"
        }
    }

    public var description: String { name }

    public var isFloatingPoint: Bool { self == .float32 || self == .float16 || self == .bfloat16 || self == .float64 }
    public var isInteger: Bool { isSignedInteger || isUnsignedInteger }
    public var isSignedInteger: Bool { self == .int8 || self == .int16 || self == .int32 || self == .int64 }
    public var isUnsignedInteger: Bool { self == .uint8 || self == .uint16 || self == .uint32 || self == .uint64 }

    /// The float8, float4, 4-bit and 2-bit integer types (one byte per element in memory).
    public var isLowPrecision: Bool { rawValue >= 17 && rawValue <= 26 }

    /// Bits per element in the ONNX file layout (`raw_data`, `int32_data`): 4 or 2 for the
    /// packed types, else `byteSize * 8`.
    public var packedBits: Int {
        switch self {
        case .uint4, .int4, .float4e2m1: 4
        case .uint2, .int2: 2
        default: byteSize * 8
        }
    }

    /// Looks a dtype up by its NumPy name.
    public init?(name: String) {
        guard let match = DType.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
