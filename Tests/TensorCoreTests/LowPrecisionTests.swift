import TensorCore
import Testing

/// Codes from ml_dtypes 0.6 (which onnx's reference uses) and the ONNX float8/float4/int4 pages.
@Suite("Low-precision dtypes")
struct LowPrecisionTests {
    @Test("float8 and float4 encode to nearest even, saturating by default", arguments: [
        (448.0, DType.float8e4m3fn, UInt8(0x7E)), (1, .float8e4m3fn, 0x38), (-2, .float8e4m3fn, 0xC0),
        (0x1p-9, .float8e4m3fn, 0x01), (464, .float8e4m3fn, 0x7E), (0.47892547, .float8e4m3fn, 0x2F),
        (1e6, .float8e4m3fn, 0x7E), (1, .float8e5m2, 0x3C), (57344, .float8e5m2, 0x7B),
        (.infinity, .float8e5m2, 0x7B), (1, .float8e4m3fnuz, 0x40), (-0.0, .float8e4m3fnuz, 0x00),
        (.nan, .float8e4m3fnuz, 0x80), (0.5, .float4e2m1, 0x1), (3, .float4e2m1, 0x5), (5, .float4e2m1, 0x6),
        (9, .float4e2m1, 0x7), (-1, .float4e2m1, 0xA), (0.25, .float4e2m1, 0x0),
    ])
    func encodes(value: Double, dtype: DType, code: UInt8) {
        #expect(LowPrecision.encode(value, dtype) == code)
    }

    @Test("Without saturation, overflow is NaN (infinity for E5M2)")
    func overflowWithoutSaturation() {
        #expect(LowPrecision.decode(LowPrecision.encode(500, .float8e4m3fn, saturate: false), .float8e4m3fn).isNaN)
        #expect(LowPrecision.decode(LowPrecision.encode(1e6, .float8e5m2, saturate: false), .float8e5m2) == .infinity)
        #expect(LowPrecision.decode(LowPrecision.encode(-.infinity, .float8e5m2fnuz, saturate: false), .float8e5m2fnuz).isNaN)
    }

    @Test("Every code decodes to a value that encodes back to it (or is NaN)",
          arguments: [DType.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float4e2m1])
    func roundTrips(dtype: DType) {
        let codes = dtype == .float4e2m1 ? 0..<16 : 0..<256
        for code in codes.map(UInt8.init) {
            let value = LowPrecision.decode(code, dtype)
            if value.isNaN || value.isInfinite { continue }
            #expect(LowPrecision.decode(LowPrecision.encode(Double(value), dtype), dtype) == value, "code \(code)")
        }
    }

    @Test("4- and 2-bit integers wrap and unpack low bits first")
    func integers() {
        #expect(LowPrecision.wrap(9, .int4) == UInt8(bitPattern: -7))
        #expect(LowPrecision.wrap(-1, .uint4) == 15)
        #expect(LowPrecision.wrap(2, .int2) == UInt8(bitPattern: -2))
        let packed: [UInt8] = [0x21, 0x0F]
        let unpacked = packed.withUnsafeBytes { LowPrecision.unpack($0, count: 3, .int4) }
        #expect(unpacked.map { Int8(bitPattern: $0) } == [1, 2, -1])
        let twoBit = [UInt8(0b1110_0100)].withUnsafeBytes { LowPrecision.unpack($0, count: 4, .uint2) }
        #expect(twoBit == [0, 1, 2, 3])
    }

    @Test("E8M0 rounds to a power of two as the round mode says")
    func e8m0() {
        #expect(LowPrecision.encode(0.124, .float8e8m0) == 124)  // up to 2^-3
        #expect(LowPrecision.encode(1.1, .float8e8m0) == 128)  // up to 2
        #expect(LowPrecision.encode(1.1, .float8e8m0, roundMode: .down) == 127)
        #expect(LowPrecision.encode(1.6, .float8e8m0, roundMode: .nearest) == 128)
        #expect(LowPrecision.decode(0, .float8e8m0) == 0x1p-127)
        #expect(LowPrecision.decode(0xFF, .float8e8m0).isNaN)
    }

    @Test("Tensors cast to and from low-precision dtypes through their values")
    func tensorCasts() throws {
        let x = Tensor([0.5, -3.5, 1000] as [Float])
        let f8 = try x.cast(to: .float8e4m3fn)
        #expect(f8.dtype == .float8e4m3fn && f8.byteCount == 3)
        #expect(try f8.doubleValues() == [0.5, -3.5, 448])
        #expect(try f8.cast(to: .float16).scalars(as: Float16.self) == [0.5, -3.5, 448])
        let i4 = try Tensor([7, 8, -9] as [Int32]).cast(to: .int4)
        #expect(try i4.intValues() == [7, -8, 7])
        #expect(try i4.cast(to: .int64).scalars(as: Int64.self) == [7, -8, 7])
        #expect(try x.cast(to: .float8e5m2, saturate: false).doubleValues() == [0.5, -3.5, 1024])
    }
}
