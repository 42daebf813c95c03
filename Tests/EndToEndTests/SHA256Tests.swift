import Foundation
import ONNXPatch
import Testing

/// SHA-256 against independent digests: the FIPS 180-4 examples, Python's hashlib for the
/// padding edge cases, and `sha256sum` for a file.
@Suite struct SHA256Tests {
    static func digest(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { SHA256.hex($0) } }

    /// `n` bytes that differ from their neighbours, so a misplaced byte changes the digest.
    static func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }

    /// The examples of FIPS 180-4 (NIST's SHA256.pdf, SHA256ShortMsg/LongMsg).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func knownAnswer(message: String, expected: String) {
        #expect(Self.digest(Array(message.utf8)) == expected)
    }

    @Test func oneMillionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Self.digest(message) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundary (the length field fits in the last block up to 55
    /// bytes mod 64, else needs one more) and around whole blocks. Digests from Python's
    /// `hashlib.sha256(bytes((i*7+3) & 255 for i in range(n)))`.
    @Test(arguments: [
        (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"),
        (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"),
        (57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"),
        (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"),
        (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"),
        (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"),
        (119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"),
        (120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"),
        (1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"),
    ])
    func paddingBoundaries(length: Int, expected: String) {
        #expect(Self.digest(Self.pattern(length)) == expected)
    }

    /// Updates in pieces that straddle the 64-byte blocks in every way give the one-shot digest
    /// (the digest of these 1000 bytes is checked against hashlib above).
    @Test(arguments: [1, 63, 64, 65, 127, 200])
    func piecewiseUpdatesMatchOneShot(piece: Int) {
        let message = Self.pattern(1000)
        var hasher = SHA256()
        var offset = 0
        while offset < message.count {
            let end = min(offset + piece, message.count)
            message[offset..<end].withUnsafeBytes { hasher.update($0) }
            offset = end
        }
        let digest = hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(digest == "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371")
    }

    /// Empty updates between pieces change nothing.
    @Test func emptyUpdatesAreNoOps() {
        var hasher = SHA256()
        let message = Array("abc".utf8)
        [UInt8]().withUnsafeBytes { hasher.update($0) }
        message[0..<1].withUnsafeBytes { hasher.update($0) }
        [UInt8]().withUnsafeBytes { hasher.update($0) }
        message[1...].withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize().count == 32)
        var again = SHA256()
        message.withUnsafeBytes { again.update($0) }
        let digest = again.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// A file read in chunks (this one is 315,102 bytes: one full 256 KiB read, then a partial
    /// one that does not end on a block). The expected value was computed with `sha256sum`
    /// (GNU coreutils 9.1) when this test was written; if the fixture is regenerated, run
    /// `sha256sum Fixtures/models/qwen2-dynamo/model.onnx` and update it.
    @Test func fileDigestMatchesSha256sum() throws {
        let path = Repo.models.appendingPathComponent("qwen2-dynamo/model.onnx").path
        #expect(
            try SHA256.hex(ofFile: path) == "aba45795b5ad0e0572cd41652c1989007c1a1efef7f6c822f9203c5061c568b6"
        )
    }

    @Test func unreadableFilesThrowNamingThePath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for path in [dir.appendingPathComponent("missing.onnx").path, dir.path] {
            do {
                _ = try SHA256.hex(ofFile: path)
                Issue.record("\(path) hashed without error")
            } catch {
                #expect(error.description.hasPrefix("\(path): cannot read file"), "\(error.description)")
            }
        }
    }
}
