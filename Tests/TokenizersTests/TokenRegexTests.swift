import Testing
@testable import Tokenizers

/// The Oniguruma-subset regex on hand-worked cases: the pre-tokenizer patterns' pieces, and the
/// syntax it refuses.
@Suite struct TokenRegexTests {
    static func pieces(_ pattern: String, _ text: String) throws -> [String] {
        let regex = try TokenRegex(pattern)
        let scalars = Array(text.unicodeScalars)
        return regex.matches(in: scalars).map { Normalizer.string(Array(scalars[$0])) }
    }

    @Test func gpt2PatternSplitsWordsSpacesAndContractions() throws {
        let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        #expect(try Self.pieces(gpt2, "Hello world's  end!!\n\n") == ["Hello", " world", "'s", " ", " end", "!!", "\n\n"])
        #expect(try Self.pieces(gpt2, "a   b") == ["a", "  ", " b"])
        #expect(try Self.pieces(gpt2, "x123 4") == ["x", "123", " 4"])
        #expect(try Self.pieces(gpt2, "café 日本") == ["café", " 日本"])
        // Case matters without (?i:): "'S" is not a contraction.
        #expect(try Self.pieces(gpt2, "IT'S") == ["IT", "'", "S"])
    }

    @Test func llama3PatternGroupsDigitsByThreeAndFoldsCase() throws {
        let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        #expect(try Self.pieces(llama3, "1234567") == ["123", "456", "7"])
        #expect(try Self.pieces(llama3, "IT'S ok") == ["IT", "'S", " ok"])
        #expect(try Self.pieces(llama3, "a.\n\nb") == ["a", ".\n\n", "b"])
        #expect(try Self.pieces(llama3, "x \n y") == ["x", " \n", " y"])
    }

    @Test func quantifiersAlternationAndLookahead() throws {
        #expect(try Self.pieces("a{2,3}", "aaaaaaa") == ["aaa", "aaa"])
        #expect(try Self.pieces("a+?", "aaa") == ["a", "a", "a"])
        #expect(try Self.pieces("ab|a", "aab") == ["a", "ab"])
        #expect(try Self.pieces("a(?=b)", "aab ab") == ["a", "a"])
        #expect(try Self.pieces("[^a-c]+", "abxyzc") == ["xyz"])
        #expect(try Self.pieces(#"\x{41}\u0042"#, "xABy") == ["AB"])
        #expect(try Self.pieces(#"(?:ab)+"#, "ababa") == ["abab"])
        // Empty matches are skipped, as tokenizers drops empty splits.
        #expect(try Self.pieces("x*", "ab") == [])
    }

    @Test func unicodeClassesFollowTheUnicodeProperties() throws {
        #expect(try TokenRegex(#"\s"#).matchesWhole("\u{0B}"))     // vertical tab: White_Space
        #expect(try TokenRegex(#"\s"#).matchesWhole("\u{85}"))     // NEL
        #expect(try !TokenRegex(#"\s"#).matchesWhole("\u{200B}"))  // zero-width space is not
        #expect(try TokenRegex(#"\p{N}"#).matchesWhole("½"))
        #expect(try TokenRegex(#"\p{L}"#).matchesWhole("ß"))
        #expect(try TokenRegex(#"(?i:s)"#).matchesWhole("ſ"))      // long s folds to s
        #expect(try TokenRegex(#"(?i:'S)"#).matchesWhole("'s"))
        #expect(try !TokenRegex(#"."#).matchesWhole("\n"))
    }

    @Test(arguments: [
        (#"^a"#, "anchor"), (#"a\b"#, #"escape '\b'"#), (#"(?<=a)b"#, "lookbehind"), (#"a++"#, "possessive"),
        (#"(a"#, "unterminated group"), (#"[a"#, "unterminated character class"), (#"\p{Greek}"#, "property 'Greek'"),
        (#"(?x)a"#, "group '(?x'"), (#"a)"#, "unbalanced"), (#"[[a]]"#, "nested character classes"),
    ])
    func refusesUnsupportedSyntax(pattern: String, reason: String) {
        #expect {
            _ = try TokenRegex(pattern)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
