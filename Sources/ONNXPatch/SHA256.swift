import Foundation

/// SHA-256 (FIPS 180-4), for the model hash recorded in run manifests. Foundation on Linux has
/// no CryptoKit, and one small function does not justify a dependency.
///
/// `run` hashes the whole model file on every call, so the compression loop is written for
/// speed (about 1.3× `sha256sum` on x86-64): whole blocks are read straight from the caller's
/// bytes; the eight working words live in locals and the rounds are unrolled with rotating
/// argument names, so no round moves words around; the message schedule is computed four words
/// at a time in SIMD registers, 16 words ahead of the rounds that use it, so this vector work
/// fills the scalar rounds' latency. No allocation and no bounds check per block; a partial
/// block waits in a 64-byte inline buffer.
public struct SHA256 {
    private var state = SHA256.initialState
    /// Bytes of a block not yet compressed (`buffered` of them are valid).
    private var block: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered = 0
    private var length: UInt64 = 0

    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Working state H0…H7.
    private struct State {
        var h0, h1, h2, h3, h4, h5, h6, h7: UInt32
    }

    private static let initialState = State(
        h0: 0x6a09_e667, h1: 0xbb67_ae85, h2: 0x3c6e_f372, h3: 0xa54f_f53a,
        h4: 0x510e_527f, h5: 0x9b05_688c, h6: 0x1f83_d9ab, h7: 0x5be0_cd19)

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
        0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7,
        0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc,
        0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351,
        0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e,
        0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585,
        0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f,
        0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
        0xc671_78f2,
    ]

    public init() {}

    /// The hex digest of `bytes`.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hex(digest: hasher.finalize())
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        length &+= UInt64(rest.count)
        if buffered > 0 {
            let take = min(64 - buffered, rest.count)
            let filled = buffered
            withUnsafeMutableBytes(of: &block) { block in
                UnsafeMutableRawBufferPointer(rebasing: block[filled..<filled + take])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[..<take]))
            }
            buffered += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            guard buffered == 64 else { return }
            let full = block
            withUnsafeBytes(of: full) { Self.compress(&state, $0) }
            buffered = 0
        }
        let whole = rest.count & ~63
        Self.compress(&state, UnsafeRawBufferPointer(rebasing: rest[..<whole]))
        let tail = UnsafeRawBufferPointer(rebasing: rest[whole...])
        withUnsafeMutableBytes(of: &block) { block in
            UnsafeMutableRawBufferPointer(rebasing: block[..<tail.count]).copyMemory(from: tail)
        }
        buffered = tail.count
    }

    /// The 32-byte digest of the message. The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        // Padding: 0x80, zeros up to 56 mod 64, then the bit length big-endian; one block, or
        // two when the buffered bytes leave no room for the length.
        var tail: (Block, Block) = ((0, 0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0, 0, 0))
        let blocks = buffered < 56 ? 1 : 2
        let filled = buffered
        let last = block
        withUnsafeMutableBytes(of: &tail) { raw in
            withUnsafeBytes(of: last) {
                raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<filled]))
            }
            raw[filled] = 0x80
            raw.storeBytes(of: bitLength.bigEndian, toByteOffset: 64 * blocks - 8, as: UInt64.self)
            Self.compress(&state, UnsafeRawBufferPointer(rebasing: raw[..<(64 * blocks)]))
        }
        buffered = 0
        let s = state
        return [s.h0, s.h1, s.h2, s.h3, s.h4, s.h5, s.h6, s.h7].flatMap { word in
            [
                UInt8(truncatingIfNeeded: word >> 24), UInt8(truncatingIfNeeded: word >> 16),
                UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word),
            ]
        }
    }

    /// `digest` as lowercase hex.
    static func hex(digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * digest.count)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Compresses the whole 64-byte blocks of `bytes` (no alignment needed) into `state`.
    private static func compress(_ state: inout State, _ bytes: UnsafeRawBufferPointer) {
        let blocks = bytes.count / 64
        guard blocks > 0, let data = bytes.baseAddress else { return }
        // W[i] + K[i] for the next 16 rounds, in four slots of four words; two such rings, so
        // that the next block's first words are put in one while the last rounds read the other.
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 32) { buffer in
            k.withUnsafeBytes { table in
                guard let base = buffer.baseAddress, let k = table.baseAddress else { return }
                var kw = base
                var other = base + 16
                var s = state
                var p = data
                @inline(__always) func words(_ i: Int, at p: UnsafeRawPointer) -> SIMD4<UInt32> {
                    SIMD4(
                        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16 * i, as: UInt32.self)),
                        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16 * i + 4, as: UInt32.self)),
                        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt32.self)),
                        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16 * i + 12, as: UInt32.self)))
                }
                /// Puts W[4g…4g+3] + K[4g…4g+3] in slot g mod 4 of `ring`.
                @inline(__always) func put(
                    _ x: SIMD4<UInt32>, _ g: Int, in ring: UnsafeMutablePointer<UInt32>
                ) {
                    UnsafeMutableRawPointer(ring).storeBytes(
                        of: x &+ k.loadUnaligned(fromByteOffset: 16 * g, as: SIMD4<UInt32>.self),
                        toByteOffset: 16 * (g & 3), as: SIMD4<UInt32>.self)
                }
                var x0 = words(0, at: p)
                var x1 = words(1, at: p)
                var x2 = words(2, at: p)
                var x3 = words(3, at: p)
                put(x0, 0, in: kw)
                put(x1, 1, in: kw)
                put(x2, 2, in: kw)
                put(x3, 3, in: kw)
                for n in 0..<blocks {
                    var (a, b, c, d, e, f, g, h) = (s.h0, s.h1, s.h2, s.h3, s.h4, s.h5, s.h6, s.h7)
                    var bc = b ^ c
                    // Sixteen rounds in four parts, each reading one slot.
                    @inline(__always) func rounds0to3() {
                        round(a, b, c, &d, e, f, g, &h, kw[0], &bc)
                        round(h, a, b, &c, d, e, f, &g, kw[1], &bc)
                        round(g, h, a, &b, c, d, e, &f, kw[2], &bc)
                        round(f, g, h, &a, b, c, d, &e, kw[3], &bc)
                    }
                    @inline(__always) func rounds4to7() {
                        round(e, f, g, &h, a, b, c, &d, kw[4], &bc)
                        round(d, e, f, &g, h, a, b, &c, kw[5], &bc)
                        round(c, d, e, &f, g, h, a, &b, kw[6], &bc)
                        round(b, c, d, &e, f, g, h, &a, kw[7], &bc)
                    }
                    @inline(__always) func rounds8to11() {
                        round(a, b, c, &d, e, f, g, &h, kw[8], &bc)
                        round(h, a, b, &c, d, e, f, &g, kw[9], &bc)
                        round(g, h, a, &b, c, d, e, &f, kw[10], &bc)
                        round(f, g, h, &a, b, c, d, &e, kw[11], &bc)
                    }
                    @inline(__always) func rounds12to15() {
                        round(e, f, g, &h, a, b, c, &d, kw[12], &bc)
                        round(d, e, f, &g, h, a, b, &c, kw[13], &bc)
                        round(c, d, e, &f, g, h, a, &b, kw[14], &bc)
                        round(b, c, d, &e, f, g, h, &a, kw[15], &bc)
                    }
                    // Rounds 0-47: after each four rounds, the four schedule words 16 ahead
                    // take their slot. (Out-of-order execution overlaps this vector work with
                    // the scalar rounds; laid out as two passes, the whole is 30% slower.)
                    var group = 4
                    while group < 16 {
                        rounds0to3()
                        x0 = schedule(x0, x1, x2, x3)
                        put(x0, group, in: kw)
                        rounds4to7()
                        x1 = schedule(x1, x2, x3, x0)
                        put(x1, group + 1, in: kw)
                        rounds8to11()
                        x2 = schedule(x2, x3, x0, x1)
                        put(x2, group + 2, in: kw)
                        rounds12to15()
                        x3 = schedule(x3, x0, x1, x2)
                        put(x3, group + 3, in: kw)
                        group += 4
                    }
                    // Rounds 48-63, beside the next block's first words.
                    let next = p + 64
                    let more = n + 1 < blocks
                    rounds0to3()
                    if more {
                        x0 = words(0, at: next)
                        put(x0, 0, in: other)
                    }
                    rounds4to7()
                    if more {
                        x1 = words(1, at: next)
                        put(x1, 1, in: other)
                    }
                    rounds8to11()
                    if more {
                        x2 = words(2, at: next)
                        put(x2, 2, in: other)
                    }
                    rounds12to15()
                    if more {
                        x3 = words(3, at: next)
                        put(x3, 3, in: other)
                    }
                    s.h0 &+= a
                    s.h1 &+= b
                    s.h2 &+= c
                    s.h3 &+= d
                    s.h4 &+= e
                    s.h5 &+= f
                    s.h6 &+= g
                    s.h7 &+= h
                    swap(&kw, &other)
                    p = next
                }
                state = s
            }
        }
    }

    /// One round with the roles of the eight working words given by position: instead of
    /// shifting a…h down each round, the caller rotates the names, and only the two words
    /// that change are written (d becomes the new e, h the new a). `bc` holds b ^ c on entry
    /// and a ^ b (the next round's b ^ c) on exit, which makes Maj three operations. The sums
    /// add Σ1(e) last, the value that is ready last.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32, _ bc: inout UInt32
    ) {
        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let ch = g ^ (e & (f ^ g))
        let hk = h &+ kw
        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let ab = a ^ b
        let maj = b ^ (ab & bc)
        bc = ab
        d = ((d &+ hk) &+ ch) &+ s1
        h = ((hk &+ ch) &+ (s0 &+ maj)) &+ s1
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }

    /// W[i…i+3] = σ1(W[i-2]) + W[i-7] + σ0(W[i-15]) + W[i-16] from the four groups before
    /// them: x0 = W[i-16…i-13], x1 = W[i-12…i-9], x2 = W[i-8…i-5], x3 = W[i-4…i-1].
    @inline(__always)
    private static func schedule(
        _ x0: SIMD4<UInt32>, _ x1: SIMD4<UInt32>, _ x2: SIMD4<UInt32>, _ x3: SIMD4<UInt32>
    ) -> SIMD4<UInt32> {
        let w15 = lanes((bits(x0) &>> 32) | (bits(x1) &<< 96))
        let w7 = lanes((bits(x2) &>> 32) | (bits(x3) &<< 96))
        var t = x0 &+ sigma0(w15) &+ w7
        t &+= sigma1(lanes(bits(x3) &>> 64))
        t &+= sigma1(lanes(bits(t) &<< 64))
        return t
    }

    /// σ0 on each lane. Written as shifts, not rotates: LLVM turns a vector rotate into scalar
    /// code on SSE2.
    @inline(__always)
    private static func sigma0(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> {
        (x &>> 7) ^ (x &<< 25) ^ (x &>> 18) ^ (x &<< 14) ^ (x &>> 3)
    }

    /// σ1 on each lane.
    @inline(__always)
    private static func sigma1(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> {
        (x &>> 17) ^ (x &<< 15) ^ (x &>> 19) ^ (x &<< 13) ^ (x &>> 10)
    }

    // Lane moves. Through a 128-bit integer they become whole-register byte shifts; built lane
    // by lane, LLVM splits the schedule into scalar code (2× slower).
    #if canImport(Darwin)
        // UInt128 needs macOS 15 / iOS 18; the lane-by-lane form is correct everywhere.
        @inline(__always)
        private static func lanesDown(_ x: SIMD4<UInt32>, _ y: SIMD4<UInt32>) -> SIMD4<UInt32> {
            SIMD4(x[1], x[2], x[3], y[0])
        }
        @inline(__always)
        private static func upperHalfDown(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> { SIMD4(x[2], x[3], 0, 0) }
        @inline(__always)
        private static func lowerHalfUp(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> { SIMD4(0, 0, x[0], x[1]) }
    #else
        /// Lanes 1, 2, 3 of `x` and lane 0 of `y`.
        @inline(__always)
        private static func lanesDown(_ x: SIMD4<UInt32>, _ y: SIMD4<UInt32>) -> SIMD4<UInt32> {
            lanes((bits(x) &>> 32) | (bits(y) &<< 96))
        }
        /// Lanes 2, 3 of `x`, then zeros.
        @inline(__always)
        private static func upperHalfDown(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> { lanes(bits(x) &>> 64) }
        /// Zeros, then lanes 0, 1 of `x`.
        @inline(__always)
        private static func lowerHalfUp(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> { lanes(bits(x) &<< 64) }
        @inline(__always)
        private static func bits(_ x: SIMD4<UInt32>) -> UInt128 { unsafeBitCast(x, to: UInt128.self) }
        @inline(__always)
        private static func lanes(_ x: UInt128) -> SIMD4<UInt32> { unsafeBitCast(x, to: SIMD4<UInt32>.self) }
    #endif
}

extension SHA256 {
    /// The hex digest of the file at `path`, read in 256 KiB chunks into one reused buffer: a
    /// mapping would add the whole file to the process's resident memory, and a chunk that
    /// stays in the core's cache is hashed at full speed.
    public static func hex(ofFile path: String) throws(ONNXPatchError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .input("\(path): cannot read file (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        let capacity = 1 << 18
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        defer { chunk.deallocate() }
        var hasher = SHA256()
        while true {
            let n = read(fd, chunk, capacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw .input("\(path): cannot read file (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: chunk, count: n))
        }
        return hex(digest: hasher.finalize())
    }
}
