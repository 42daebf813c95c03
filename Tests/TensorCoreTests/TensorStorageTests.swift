import Testing

@testable import TensorCore

@Suite struct TensorStorageTests {
    static let sizes = [0, 1, 63, 64, 65, 4097, 1 << 20]

    @Test(arguments: sizes)
    func ownedStorageIs64ByteAlignedAndWritable(byteCount: Int) throws {
        let storages = [
            TensorStorage(byteCount: byteCount, zeroed: false),
            try #require(TensorStorage(allocatingIfPossible: byteCount, zeroed: false)),
        ]
        for storage in storages {
            #expect(Int(bitPattern: storage.base) % 64 == 0)
            #expect(storage.isOwned && storage.byteCount == byteCount)
            let bytes = UnsafeMutableRawBufferPointer(start: storage.base, count: byteCount)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
            #expect(bytes.indices.allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 &* 31) })
        }
    }

    /// A block freed dirty is typically handed back to the next request of the same size, so
    /// zero-filling cannot be left to luck.
    @Test(arguments: sizes)
    func zeroedStorageIsZeroEvenWhenItReusesADirtyBlock(byteCount: Int) throws {
        for _ in 0..<3 {
            do {
                let dirty = TensorStorage(byteCount: byteCount, zeroed: false)
                dirty.base.initializeMemory(as: UInt8.self, repeating: 0xA5, count: byteCount)
            }
            let zeroed = TensorStorage(byteCount: byteCount)
            let maybe = try #require(TensorStorage(allocatingIfPossible: byteCount))
            for storage in [zeroed, maybe] {
                let bytes = UnsafeRawBufferPointer(start: storage.base, count: byteCount)
                #expect(bytes.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test(arguments: [Int.max, Int.max - 10, 1 << 62])
    func sizesTheSystemCannotGiveAreRefused(byteCount: Int) {
        #expect(TensorStorage(allocatingIfPossible: byteCount) == nil)
        #expect(TensorStorage(allocatingIfPossible: byteCount, zeroed: false) == nil)
    }
}
