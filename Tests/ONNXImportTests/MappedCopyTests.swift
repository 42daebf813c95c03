import Foundation
import TensorCore
import Testing

@testable import ONNXImport

/// Unaligned raw_data is copied out of the mapping a slice at a time, each slice's file pages
/// released right after (TensorDecoder.storage(file:range:dtype:)).
@Suite struct MappedCopyTests {
    /// A file just over two copy slices long, each byte a function of its offset that differs
    /// between pages, so a slice copied to the wrong place shows.
    static func makeFile() throws -> (folder: URL, path: String, bytes: [UInt8]) {
        let count = 2 * TensorDecoder.copySliceBytes + 3 * 4096 + 7
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 12) }
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("weights.bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (folder, path, bytes)
    }

    /// Resident bytes of the mapping that contains `address`, from /proc/self/smaps (Linux).
    static func residentBytes(of address: UnsafeRawPointer) throws -> Int? {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let text = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        let target = UInt(bitPattern: Int(bitPattern: address))
        var inside = false
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let ends = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = ends.count == 2 && ends[0] <= target && target < ends[1]
            } else if inside, fields.first == "Rss:", fields.count >= 2, let kB = Int(fields[1]) {
                return kB * 1024
            }
        }
        return nil
    }

    @Test func unalignedFloatsAreCopiedExactlyAndTheirPagesReleased() throws {
        let (folder, path, bytes) = try Self.makeFile()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try MappedFile(path: path)
        let base = try #require(file.base)
        // Fault every page in, as the wire scan and a real copy would.
        var sum = 0
        for i in stride(from: 0, to: file.count, by: 4096) { sum &+= Int(file.bytes[i]) }
        let before = try #require(try Self.residentBytes(of: base))
        #expect(before >= file.count - 4096, "\(before) of \(file.count) bytes resident (sum \(sum))")

        let range = 3..<(3 + (file.count - 3) / 4 * 4)  // 3 mod 4: not aligned for Float
        let storage = TensorDecoder.storage(file: file, range: range, dtype: .float32)
        #expect(storage.isOwned)
        #expect(
            Array(UnsafeRawBufferPointer(start: storage.base, count: storage.byteCount))
                == Array(bytes[range]))
        let after = try #require(try Self.residentBytes(of: base))
        #expect(after <= 2 * 4096, "\(after) bytes of the mapping still resident after the copy")
    }

    @Test func boolBytesAreNormalizedAcrossSlices() throws {
        let (folder, path, bytes) = try Self.makeFile()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try MappedFile(path: path)
        let storage = TensorDecoder.storage(file: file, range: 0..<file.count, dtype: .bool)
        let copied = UnsafeRawBufferPointer(start: storage.base, count: storage.byteCount)
        #expect(Array(copied) == bytes.map { $0 != 0 ? 1 : 0 })
    }
}
