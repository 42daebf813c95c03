/// GPT-2's byte-to-unicode map: each UTF-8 byte of the text becomes one printable character, so
/// that BPE works on bytes while vocabularies stay readable (a space is `Ġ`, a newline `Ċ`).
enum ByteLevel {
    /// The character for each byte value: printable Latin-1 bytes stand for themselves, the
    /// other 68 take the code points from 256 up, in byte order.
    static let byteToScalar: [Unicode.Scalar] = {
        var table: [Unicode.Scalar] = []
        var next: UInt32 = 256
        for b in UInt32(0)...255 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let value = printable ? b : next
            if !printable { next += 1 }
            table.append(Unicode.Scalar(value) ?? " ")
        }
        return table
    }()

    static let scalarToByte: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// The text's UTF-8 bytes as byte-level characters.
    static func encode(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for scalar in text {
            UTF8.encode(scalar) { result.append(byteToScalar[Int($0)]) }
        }
        return result
    }

    /// The bytes a token stands for: its byte-level characters mapped back, or, when any
    /// character is not in the map (an added token such as `"  "`), its own UTF-8 bytes.
    static func bytes(of token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in token.unicodeScalars {
            guard let b = scalarToByte[scalar] else { return Array(token.utf8) }
            bytes.append(b)
        }
        return bytes
    }
}
