import TensorCore
import Testing

/// The standard dtypes `Tensor.cast(to:)` handles (the low-precision ones, which cannot hold
/// these test values, are in LowPrecisionTests).
private let numericDTypes = DType.allCases.filter { $0 != .string && !$0.isLowPrecision }

/// Values from numpy 2.x and onnxruntime on x86-64 (they agree) for float → integer casts of
/// NaN, infinities, out-of-range and fractional values.
private let awkward: [Float] = [
    .nan, .infinity, -.infinity, 300.7, -300.7, 1e10, -1e10, 3e9, -1.9, 1.9, 70000.5, -40000, 1e19, 2e19,
    -0.5,
]

@Suite("Tensor.cast")
struct TensorCastTests {
    @Test(arguments: numericDTypes, numericDTypes)
    func everyPairConvertsExactlyRepresentableValues(_ from: DType, _ to: DType) throws {
        let values: [Float] = from == .bool || to == .bool ? [0, 1, 1, 0] : [0, 1, 2, 100]
        let source = try Tensor(shape: [2, 2], scalars: values).cast(to: from)
        let out = try source.cast(to: to)
        #expect(out.dtype == to)
        #expect(out.shape == [2, 2])
        #expect(try out.doubleValues() == values.map { Double($0) })
    }

    @Test func sameDTypeReturnsSelfWithoutCopy() throws {
        let t = Tensor([1, 2, 3] as [Float])
        let same = try t.cast(to: .float32)
        #expect(same.storage === t.storage)
        let other = try t.cast(to: .float64)
        #expect(other.storage !== t.storage)
    }

    @Test func stringIsRejected() throws {
        #expect(throws: TensorError.self) { try Tensor([Float(1)]).cast(to: .string) }
    }

    @Test func emptyTensorsCast() throws {
        let out = try Tensor(zeros: .float32, shape: [0, 3]).cast(to: .int64)
        #expect(out.dtype == .int64 && out.shape == [0, 3] && out.count == 0)
    }

    // MARK: - Float → integer

    @Test func floatToSignedIntegersMatchesNumpy() throws {
        let t = Tensor(awkward)
        #expect(
            try t.cast(to: .int8).scalars(as: Int8.self) == [
                0, 0, 0, 44, -44, 0, 0, 0, -1, 1, 112, -64, 0, 0, 0,
            ])
        #expect(
            try t.cast(to: .int16).scalars(as: Int16.self) == [
                0, 0, 0, 300, -300, 0, 0, 0, -1, 1, 4464, 25536, 0, 0, 0,
            ])
        let m32 = Int32.min
        #expect(
            try t.cast(to: .int32).scalars(as: Int32.self)
                == [m32, m32, m32, 300, -300, m32, m32, m32, -1, 1, 70000, -40000, m32, m32, 0])
        let m64 = Int64.min
        #expect(
            try t.cast(to: .int64).scalars(as: Int64.self)
                == [
                    m64, m64, m64, 300, -300, 10_000_000_000, -10_000_000_000, 3_000_000_000, -1, 1, 70000,
                    -40000, m64, m64, 0,
                ])
    }

    @Test func floatToUnsignedIntegersMatchesNumpy() throws {
        for source in [Tensor(awkward), try Tensor(awkward).cast(to: .float64)] {
            #expect(
                try source.cast(to: .uint8).scalars(as: UInt8.self) == [
                    0, 0, 0, 44, 212, 0, 0, 0, 255, 1, 112, 192, 0, 0, 0,
                ])
            #expect(
                try source.cast(to: .uint16).scalars(as: UInt16.self) == [
                    0, 0, 0, 300, 65236, 0, 0, 0, 65535, 1, 4464, 25536, 0, 0, 0,
                ])
            #expect(
                try source.cast(to: .uint32).scalars(as: UInt32.self)
                    == [
                        2_147_483_648, 0, 2_147_483_648, 300, 4_294_966_996, 0, 2_147_483_648, 3_000_000_000,
                        4_294_967_295, 1, 70000, 4_294_927_296, 0, 0, 0,
                    ])
            #expect(
                try source.cast(to: .uint64).scalars(as: UInt64.self)
                    == [
                        9_223_372_036_854_775_808, 0, 9_223_372_036_854_775_808, 300,
                        18_446_744_073_709_551_316,
                        10_000_000_000, 18_446_744_063_709_551_616, 3_000_000_000, 18_446_744_073_709_551_615,
                        1,
                        70000, 18_446_744_073_709_511_616, 9_999_999_980_506_447_872, 0, 0,
                    ])
        }
    }

    @Test func halfPrecisionToIntegerTruncates() throws {
        let h = Tensor([Float16(-2.75), 65504, .nan])
        #expect(try h.cast(to: .int32).scalars(as: Int32.self) == [-2, 65504, .min])
        let b = Tensor([BFloat16(-2.75), BFloat16(3e38)])
        #expect(try b.cast(to: .int64).scalars(as: Int64.self) == [-2, .min])
    }

    // MARK: - Rounding to float16 / bfloat16

    @Test func float16RoundsToNearestEven() throws {
        // Ties: 1 + 2⁻¹¹ lies halfway between 1 and 1 + 2⁻¹⁰ (odd), so it goes down; 1 + 3·2⁻¹¹
        // halfway between 1 + 2⁻¹⁰ and 1 + 2⁻⁹ (even), so up. 65520 ties to 65536 = inf.
        let values: [Float] = [
            1 + 0x1p-11, 1 + 3 * 0x1p-11, 65519, 65520, 0x1p-25, 3 * 0x1p-26, -(1 + 0x1p-11), .nan,
        ]
        let out = try Tensor(values).cast(to: .float16).scalars(as: Float16.self)
        #expect(Array(out.prefix(7)) == [1, 1 + 0x1p-9, 65504, .infinity, 0, 0x1p-24, -1])
        #expect(out[7].isNaN)
        // Directly from float64, a value just above the tie rounds up (no double rounding).
        let d = try Tensor([1 + 0x1p-11 + 0x1p-40] as [Double]).cast(to: .float16)
        #expect(d.scalars(as: Float16.self) == [1 + 0x1p-10])
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        let values: [Float] = [1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, 3.4e38, -0.0]
        let bits = try Tensor(values).cast(to: .bfloat16).scalars(as: BFloat16.self).map(\.bitPattern)
        #expect(bits == [0x3F80, 0x3F82, 0x3F81, 0x7F80, 0x8000])
        let nan = try Tensor([Float.nan]).cast(to: .bfloat16).scalars(as: BFloat16.self)[0]
        #expect(nan.floatValue.isNaN)
        let back = try Tensor([BFloat16(bitPattern: 0x3F81)]).cast(to: .float32).scalars(as: Float.self)
        #expect(back == [1 + 0x1p-7])
    }

    // MARK: - Integer ↔ integer, integer → float, bool

    @Test func integersWrap() throws {
        #expect(
            try Tensor([300, -1, 255, 128] as [Int64]).cast(to: .int8).scalars(as: Int8.self) == [
                44, -1, -1, -128,
            ])
        #expect(try Tensor([-1, 256] as [Int32]).cast(to: .uint8).scalars(as: UInt8.self) == [255, 0])
        #expect(try Tensor([UInt64.max]).cast(to: .int64).scalars(as: Int64.self) == [-1])
        #expect(try Tensor([-1] as [Int32]).cast(to: .uint64).scalars(as: UInt64.self) == [.max])
    }

    @Test func integersToFloatsRoundToNearestEven() throws {
        let big = Tensor([1 << 53 + 1, 16_777_217, -16_777_217] as [Int64])
        #expect(try big.cast(to: .float64).scalars(as: Double.self)[0] == 9_007_199_254_740_992)
        #expect(
            try big.cast(to: .float32).scalars(as: Float.self) == [
                9_007_199_254_740_992, 16_777_216, -16_777_216,
            ])
        #expect(
            try Tensor([UInt64.max]).cast(to: .float32).scalars(as: Float.self) == [
                18_446_744_073_709_551_616
            ])
        #expect(try Tensor([70000] as [Int32]).cast(to: .float16).scalars(as: Float16.self) == [.infinity])
    }

    @Test func toBoolIsNonZero() throws {
        let f = try Tensor([0, -0.0, 0.5, .nan, -.infinity] as [Float]).cast(to: .bool)
        #expect(f.scalars(as: Bool.self) == [false, false, true, true, true])
        let i = try Tensor([0, 2, -1] as [Int16]).cast(to: .bool)
        #expect(i.scalars(as: Bool.self) == [false, true, true])
        let h = try Tensor([Float16(0), Float16(0.001)]).cast(to: .bool)
        #expect(h.scalars(as: Bool.self) == [false, true])
        #expect(try Tensor([true, false]).cast(to: .float32).scalars(as: Float.self) == [1, 0])
        #expect(try Tensor([true, false]).cast(to: .int64).scalars(as: Int64.self) == [1, 0])
    }
}
