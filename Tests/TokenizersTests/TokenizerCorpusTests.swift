import Foundation
import Testing
@testable import Tokenizers

/// Encode and decode equal to the `tokenizers` package on the corpus written by
/// tools/make-tokenizer-fixtures.py, for every fixture tokenizer (byte-level and SentencePiece-style).
@Suite struct TokenizerCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizers")
    static let names = ["gpt2", "neox", "qwen2", "llama3", "llama2", "metaspace", "metaspace-split"]

    struct Corpus: Decodable { var strings: [String] }

    struct Expected: Decodable {
        struct DecodeCase: Decodable {
            var ids: [Int]
            var text: String
            var text_skip_special: String
        }
        var ids: [[Int]]
        var decoded: [String?]
        var decode_cases: [DecodeCase]
    }

    static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: root.appendingPathComponent(path)))
    }

    /// Swift's `==` on strings is canonical equivalence; tokenizers must agree scalar by scalar.
    static func same(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

    static func show(_ s: String) -> String { s.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() }

    @Test(arguments: names)
    func encodeMatchesTokenizersPackage(name: String) throws {
        let corpus = try Self.load(Corpus.self, "corpus.json").strings
        let expected = try Self.load(Expected.self, "\(name)/expected.json")
        let tokenizer = try Tokenizer(path: Self.root.appendingPathComponent("\(name)/tokenizer.json").path)
        #expect(corpus.count >= 1000)
        try #require(expected.ids.count == corpus.count)
        var failures = 0
        for (text, ids) in zip(corpus, expected.ids) {
            let got = tokenizer.encode(text)
            if got != ids {
                failures += 1
                if failures <= 5 { Issue.record("\(name): encode(\"\(Self.show(text))\") = \(got), expected \(ids)") }
            }
        }
        #expect(failures == 0, "\(name): \(failures) of \(corpus.count) strings encode differently")
    }

    @Test func byteLevelPartsOfCharactersDisplayAsBytes() throws {
        let tokenizer = try Tokenizer(path: Self.root.appendingPathComponent("gpt2/tokenizer.json").path)
        // Byte 0xE6 (a lead byte of 日) is the byte-level character 'æ'.
        let id = try #require(tokenizer.id(of: "æ"))
        #expect(tokenizer.decode([id]) == "\u{FFFD}")
        #expect(tokenizer.displayText(id) == "\\xE6")
        #expect(tokenizer.displayText(try #require(tokenizer.id(of: "Ġw"))) == " w")
    }

    @Test(arguments: names)
    func decodeMatchesTokenizersPackage(name: String) throws {
        let corpus = try Self.load(Corpus.self, "corpus.json").strings
        let expected = try Self.load(Expected.self, "\(name)/expected.json")
        let tokenizer = try Tokenizer(path: Self.root.appendingPathComponent("\(name)/tokenizer.json").path)
        var failures = 0
        for (i, ids) in expected.ids.enumerated() {
            let want = expected.decoded[i] ?? corpus[i]
            let got = tokenizer.decode(ids)
            if !Self.same(got, want) {
                failures += 1
                if failures <= 5 { Issue.record("\(name): decode(\(ids)) = \"\(Self.show(got))\", expected \"\(Self.show(want))\"") }
            }
        }
        for c in expected.decode_cases {
            for (skip, want) in [(false, c.text), (true, c.text_skip_special)] {
                let got = tokenizer.decode(c.ids, skipSpecialTokens: skip)
                if !Self.same(got, want) {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("\(name): decode(\(c.ids), skip: \(skip)) = \"\(Self.show(got))\", expected \"\(Self.show(want))\"")
                    }
                }
            }
        }
        #expect(failures == 0, "\(name): \(failures) decodes differ")
    }
}
