import Foundation
import Testing
@testable import Tokenizers

/// tokenizer.json files written here by hand: each component's behaviour on a case worked out
/// on paper, and each malformed or unsupported file refused with the component named.
@Suite struct TokenizerFileTests {
    static func tokenizer(_ json: String) throws(TokenizerError) -> Tokenizer {
        try Tokenizer(json: Array(json.utf8), source: "test.json")
    }

    static func error(_ json: String) -> String {
        do {
            _ = try tokenizer(json)
            return "no error"
        } catch {
            return error.description
        }
    }

    /// Vocabulary a, b, c, ab, abc, bc; merges (a b) then (ab c) then (b c).
    static let model = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5, "<unk>": 6}, "merges": ["a b", "ab c", "b c"], "unk_token": "<unk>"}"#

    @Test func mergesApplyByRankThenPosition() throws {
        let t = try Self.tokenizer(#"{"model": \#(Self.model)}"#)
        #expect(t.encode("abc") == [4])           // (a b) first, then (ab c)
        #expect(t.encode("bcab") == [5, 3])       // (a b) before (b c) by rank, each where it fits
        #expect(t.encode("abab") == [3, 3])
        #expect(t.encode("axb") == [0, 6, 1])     // x is unknown
        #expect(t.decode([4, 5]) == "abc bc")     // no decoder: tokens joined by spaces
    }

    @Test func mergesInListFormatAndIgnoreMerges() throws {
        let lists = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "aab": 3}, "merges": [["a", "b"]], "ignore_merges": true}}"#
        let t = try Self.tokenizer(lists)
        #expect(t.encode("ab") == [2])
        #expect(t.encode("aab") == [3])           // a whole-word vocabulary hit skips merging
        #expect(t.encode("aabab") == [0, 2, 2])
    }

    @Test func unknownCharactersFuseOnlyWhenAsked() throws {
        let fused = #"{"model": {"type": "BPE", "vocab": {"a": 0, "<unk>": 1}, "merges": [], "unk_token": "<unk>", "fuse_unk": true}}"#
        #expect(try Self.tokenizer(fused).encode("axya") == [0, 1, 0])
        let separate = fused.replacingOccurrences(of: "\"fuse_unk\": true", with: "\"fuse_unk\": false")
        #expect(try Self.tokenizer(separate).encode("axya") == [0, 1, 1, 0])
    }

    @Test func byteFallbackSpellsUTF8Bytes() throws {
        let json = #"{"model": {"type": "BPE", "vocab": {"a": 0, "<0xC3>": 1, "<0xA9>": 2, "<unk>": 3}, "merges": [], "unk_token": "<unk>", "byte_fallback": true}, "decoder": {"type": "ByteFallback"}}"#
        let t = try Self.tokenizer(json)
        #expect(t.encode("aé") == [0, 1, 2])      // é = C3 A9
        #expect(t.encode("a日") == [0, 3])        // 日's bytes are not all in the vocabulary
        #expect(t.decode([0, 1, 2]) == "aé")
        #expect(t.decode([1, 0]).unicodeScalars.elementsEqual("\u{FFFD}a".unicodeScalars))  // a lone lead byte
        #expect(t.displayText(1) == "<0xC3>" && t.displayText(0) == "a")
    }

    @Test func canonicallyEquivalentTokensStayDistinct() throws {
        // "é" (U+00E9) and "e\u{301}" are different tokens; Swift strings would call them equal.
        let json = #"{"model": {"type": "BPE", "vocab": {"e": 0, "\u0301": 1, "e\u0301": 2, "\u00e9": 3}, "merges": ["e \u0301"]}}"#
        let t = try Self.tokenizer(json)
        #expect(t.encode("e\u{301}") == [2])
        #expect(t.encode("\u{E9}") == [3])
        #expect(t.id(of: "\u{E9}") == 3 && t.id(of: "e\u{301}") == 2)
    }

    @Test func addedTokensStripAndSingleWord() throws {
        let json = #"""
            {"added_tokens": [
              {"id": 7, "content": "<m>", "lstrip": true, "rstrip": true, "single_word": false, "normalized": false, "special": true},
              {"id": 8, "content": "ab", "lstrip": false, "rstrip": false, "single_word": true, "normalized": false, "special": false}],
             "model": \#(Self.model)}
            """#
        let t = try Self.tokenizer(json)
        #expect(t.encode("a  <m>  b") == [0, 7, 1])   // the spaces around <m> belong to it
        #expect(t.encode("ab c") == [8, 6, 2])        // "ab" alone is the added token (space unknown)
        #expect(t.encode("abc") == [4])               // inside a word it is not
        #expect(t.decode([0, 7, 1], skipSpecialTokens: true) == "a b")
    }

    @Test func templateAddsSpecialTokensUnlessAskedNot() throws {
        let json = #"""
            {"model": \#(Self.model), "post_processor": {"type": "TemplateProcessing",
              "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
              "special_tokens": {"<s>": {"id": "<s>", "ids": [9], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [10], "tokens": ["</s>"]}}}}
            """#
        let t = try Self.tokenizer(json)
        #expect(t.encode("ab") == [9, 3, 10])
        #expect(t.encode("ab", addSpecialTokens: false) == [3])
    }

    @Test func metaspaceAndStripDecoders() throws {
        let json = #"""
            {"model": {"type": "BPE", "vocab": {"▁": 0, "a": 1, "b": 2, "▁a": 3}, "merges": ["▁ a"]},
             "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
             "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}}
            """#
        let t = try Self.tokenizer(json)
        #expect(t.encode("a b") == [3, 0, 2])
        #expect(t.decode([3, 0, 2]) == "a b")
    }

    @Test(arguments: [
        (#"{"model": {"type": "Unigram", "vocab": []}}"#, "model 'Unigram' is not supported"),
        (#"{"model": \#(model), "normalizer": {"type": "BertNormalizer"}}"#, "normalizer 'BertNormalizer' is not supported"),
        (#"{"model": \#(model), "pre_tokenizer": {"type": "Whitespace"}}"#, "pre_tokenizer 'Whitespace' is not supported"),
        (#"{"model": \#(model), "decoder": {"type": "WordPiece"}}"#, "decoder 'WordPiece' is not supported"),
        (#"{"model": \#(model), "post_processor": {"type": "BertProcessing"}}"#, "post_processor 'BertProcessing' is not supported"),
        (#"{"model": \#(model), "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Punctuation"}]}}"#,
         "pre_tokenizer.pretokenizers[0] 'Punctuation' is not supported"),
        (#"{"model": \#(model), "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=x)y"}, "behavior": "Isolated"}}"#,
         "pre_tokenizer.pattern.Regex: regex '(?<=x)y': lookbehind"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.1}}"#, "model.dropout: BPE dropout 0.1"),
        (###"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "continuing_subword_prefix": "##"}}"###, "model.continuing_subword_prefix"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#, "model.merges[0]: token 'b' is not in the vocabulary"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}"#, "id 0 is given to both"),
        (#"{"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}}"#, "expected a non-negative integer"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#, "model.merges: missing"),
        (#"{"model": \#(model), "truncation": {"max_length": 4}}"#, "truncation is not supported"),
        (#"{"model": \#(model), "added_tokens": [{"id": 1}]}"#, "added_tokens[0].content: missing"),
        (#"{"model": \#(model), "normalizer": {"type": "Replace", "pattern": {"String": ""}, "content": "x"}}"#, "normalizer.pattern.String"),
        (#"[1, 2"#, "not valid JSON at byte 5"),
        (#"{"model": "BPE"}"#, "model: expected an object, got a string"),
        (#"{"a": "\ud800"}"#, "lone surrogate"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "nested deeper than 64"),
    ])
    func refusesWithTheComponentNamed(json: String, expected: String) {
        let message = Self.error(json)
        #expect(message.hasPrefix("test.json: "), "\(message)")
        #expect(message.contains(expected), "\(message)")
    }
}
