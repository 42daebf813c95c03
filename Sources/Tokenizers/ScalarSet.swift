import Foundation

/// A set of scalars: a union of items, possibly negated, possibly matched case-insensitively.
struct ScalarSet: Sendable {
    enum Item: Sendable {
        case scalar(Unicode.Scalar)
        case range(ClosedRange<UInt32>)
        case categories(Set<Unicode.GeneralCategory>, negated: Bool)
        case whitespace(negated: Bool)
        case horizontalSpace(negated: Bool)
        case digit(negated: Bool)
        case word(negated: Bool)
        case notNewline
    }

    var items: [Item]
    var negated = false
    var caseless = false

    func contains(_ c: Unicode.Scalar) -> Bool {
        if caseless {
            let folded = CaseFolding.fold(c)
            let hit = containsExactly(c) || containsExactly(folded) || CaseFolding.variants(of: folded).contains(where: containsExactly)
            return hit != negated
        }
        return containsExactly(c) != negated
    }

    private func containsExactly(_ c: Unicode.Scalar) -> Bool {
        for item in items {
            switch item {
            case .scalar(let s): if s == c { return true }
            case .range(let r): if r.contains(c.value) { return true }
            case .categories(let set, let negated): if set.contains(c.properties.generalCategory) != negated { return true }
            case .whitespace(let negated): if c.properties.isWhitespace != negated { return true }
            case .horizontalSpace(let negated):
                let h = c == "\t" || c.properties.generalCategory == .spaceSeparator
                if h != negated { return true }
            case .digit(let negated): if (c.properties.generalCategory == .decimalNumber) != negated { return true }
            case .word(let negated): if ScalarSet.isWord(c) != negated { return true }
            case .notNewline: if c != "\n" { return true }
            }
        }
        return false
    }

    static func isWord(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}

/// Simple case folding for `(?i:…)`: the one-scalar lowercase mapping, plus the folds Unicode
/// defines beyond it that matter for ASCII patterns (ſ → s, K (Kelvin) → k, Å (Ångström) → å).
enum CaseFolding {
    static func fold(_ c: Unicode.Scalar) -> Unicode.Scalar {
        switch c.value {
        case 0x17F: return "s"
        case 0x212A: return "k"
        case 0x212B: return "\u{E5}"
        default:
            let lower = c.properties.lowercaseMapping.unicodeScalars
            return lower.count == 1 ? lower.first ?? c : c
        }
    }

    /// Scalars other than `folded` that fold to it and may appear literally in a pattern.
    static func variants(of folded: Unicode.Scalar) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        let upper = folded.properties.uppercaseMapping.unicodeScalars
        if upper.count == 1, let u = upper.first, u != folded { result.append(u) }
        return result
    }
}

/// Unicode general categories by short and long name, single or grouped (`L` = all letters).
enum GeneralCategories {
    typealias C = Unicode.GeneralCategory
    static let groups: [String: [C]] = [
        "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
        "M": [.nonspacingMark, .spacingMark, .enclosingMark],
        "N": [.decimalNumber, .letterNumber, .otherNumber],
        "P": [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
              .finalPunctuation, .otherPunctuation],
        "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol],
        "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator],
        "C": [.control, .format, .surrogate, .privateUse, .unassigned],
        "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter], "Lm": [.modifierLetter],
        "Lo": [.otherLetter], "Mn": [.nonspacingMark], "Mc": [.spacingMark], "Me": [.enclosingMark],
        "Nd": [.decimalNumber], "Nl": [.letterNumber], "No": [.otherNumber], "Pc": [.connectorPunctuation],
        "Pd": [.dashPunctuation], "Ps": [.openPunctuation], "Pe": [.closePunctuation], "Pi": [.initialPunctuation],
        "Pf": [.finalPunctuation], "Po": [.otherPunctuation], "Sm": [.mathSymbol], "Sc": [.currencySymbol],
        "Sk": [.modifierSymbol], "So": [.otherSymbol], "Zs": [.spaceSeparator], "Zl": [.lineSeparator],
        "Zp": [.paragraphSeparator], "Cc": [.control], "Cf": [.format], "Cs": [.surrogate], "Co": [.privateUse],
        "Cn": [.unassigned],
    ]
    static let longNames: [String: String] = [
        "letter": "L", "mark": "M", "number": "N", "punctuation": "P", "symbol": "S", "separator": "Z", "other": "C",
        "uppercaseletter": "Lu", "lowercaseletter": "Ll", "decimalnumber": "Nd", "spaceseparator": "Zs",
        "control": "Cc", "format": "Cf",
    ]

    static func named(_ name: String) -> Set<C>? {
        let key = groups[name] != nil ? name : longNames[name.lowercased().replacingOccurrences(of: "_", with: "")]
        return key.flatMap { groups[$0] }.map(Set.init)
    }
}
