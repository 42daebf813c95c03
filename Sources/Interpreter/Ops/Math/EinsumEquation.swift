import TensorCore

/// An Einsum equation (`"bhqd,bhkd->bhqk"`, `"ii"`, `"...ij,...jk"`), parsed once and then
/// bound to operand shapes.
/// https://onnx.ai/onnx/operators/onnx__Einsum.html
///
/// Labels are integers: `A`…`Z` are 0…25 and `a`…`z` 26…51, so sorting labels sorts them by
/// ASCII as the implicit output requires; the axes an ellipsis covers get labels 52, 53… counted
/// from the left of the widest ellipsis, so ellipses of different widths align on the right and
/// broadcast like NumPy batch dimensions.
struct EinsumEquation {
    /// One side of the equation for one tensor: letters before and after an optional `...`.
    struct Term {
        var before: [Int] = []
        var after: [Int] = []
        var hasEllipsis = false
    }

    static let ellipsisBase = 52

    let text: String
    let inputs: [Term]
    /// nil for the implicit form (no `->`).
    let output: Term?

    init(_ equation: String) throws(OpError) {
        text = equation
        let compact = equation.filter { $0 != " " }
        let sides = compact.split(separator: "->", omittingEmptySubsequences: false)
        guard sides.count <= 2 else { throw OpError("Einsum: equation '\(equation)' has more than one '->'") }
        inputs = try sides[0].split(separator: ",", omittingEmptySubsequences: false).map {
            (term) throws(OpError) in try Self.parse(term, equation)
        }
        output = sides.count == 2 ? try Self.parse(sides[1], equation) : nil
        if let output {
            let letters = output.before + output.after
            guard Set(letters).count == letters.count else {
                throw OpError("Einsum: output '\(sides[1])' repeats a label in '\(equation)'")
            }
            let known = Set(inputs.flatMap { $0.before + $0.after })
            if let unknown = letters.first(where: { !known.contains($0) }) {
                throw OpError("Einsum: output label '\(Self.name(unknown))' does not appear in the inputs of '\(equation)'")
            }
        }
    }

    /// The equation applied to operands of the given shapes: each operand's axis labels, the
    /// output's labels, and every label's size (1 broadcasts against any size).
    struct Bound {
        var operands: [[Int]]
        var output: [Int]
        var sizes: [Int: Int]

        var outputShape: [Int] { output.map { sizes[$0]! } }
    }

    func bind(_ shapes: [[Int]]) throws(OpError) -> Bound {
        guard shapes.count == inputs.count else {
            throw OpError("Einsum: equation '\(text)' has \(inputs.count) input terms but \(shapes.count) inputs were given")
        }
        var ellipsisRanks: [Int] = []
        for (i, (term, shape)) in zip(inputs, shapes).enumerated() {
            let letters = term.before.count + term.after.count
            guard term.hasEllipsis ? shape.count >= letters : shape.count == letters else {
                throw OpError("Einsum: input \(i) has shape \(MathSupport.text(shape)) but its term in '\(text)' "
                    + "names \(letters) axes\(term.hasEllipsis ? " and an ellipsis" : "")")
            }
            ellipsisRanks.append(shape.count - letters)
        }
        let ellipsisRank = ellipsisRanks.max() ?? 0
        let operands = zip(inputs, ellipsisRanks).map { term, rank in
            term.before + (0..<rank).map { Self.ellipsisBase + ellipsisRank - rank + $0 } + term.after
        }
        var sizes: [Int: Int] = [:]
        for (labels, shape) in zip(operands, shapes) {
            for (label, dim) in zip(labels, shape) {
                guard let known = sizes[label], known != dim else {
                    sizes[label] = dim
                    continue
                }
                guard known == 1 || dim == 1 else {
                    throw OpError("Einsum: label '\(Self.name(label))' has sizes \(known) and \(dim) in '\(text)'")
                }
                sizes[label] = max(known, dim)
            }
        }
        let allEllipsis = (0..<ellipsisRank).map { Self.ellipsisBase + $0 }
        let output: [Int]
        if let term = self.output {
            guard term.hasEllipsis || ellipsisRank == 0 else {
                throw OpError("Einsum: the inputs of '\(text)' have ellipsis axes but the output has no '...'")
            }
            output = term.before + (term.hasEllipsis ? allEllipsis : []) + term.after
        } else {
            // Implicit output: the ellipsis axes, then every letter used exactly once, sorted.
            let letters = inputs.flatMap { $0.before + $0.after }
            let once = Set(letters).filter { label in letters.count(where: { $0 == label }) == 1 }
            output = allEllipsis + once.sorted()
        }
        return Bound(operands: operands, output: output, sizes: sizes)
    }

    /// The letter of a label (`...` for ellipsis axes), for messages.
    static func name(_ label: Int) -> String {
        switch label {
        case 0..<26: String(UnicodeScalar(UInt8(65 + label)))
        case 26..<52: String(UnicodeScalar(UInt8(97 + label - 26)))
        default: "..."
        }
    }

    private static func parse(_ term: Substring, _ equation: String) throws(OpError) -> Term {
        var result = Term()
        var rest = term[...]
        while let c = rest.first {
            if rest.hasPrefix("...") {
                guard !result.hasEllipsis else {
                    throw OpError("Einsum: term '\(term)' of '\(equation)' has more than one '...'")
                }
                result.hasEllipsis = true
                rest = rest.dropFirst(3)
                continue
            }
            guard let ascii = c.asciiValue, c.isLetter else {
                throw OpError("Einsum: unexpected character '\(c)' in '\(equation)'")
            }
            let label = ascii >= 97 ? Int(ascii) - 97 + 26 : Int(ascii) - 65
            if result.hasEllipsis { result.after.append(label) } else { result.before.append(label) }
            rest = rest.dropFirst()
        }
        return result
    }
}
