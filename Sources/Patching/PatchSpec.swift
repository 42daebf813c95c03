/// One patch or probe as written on the command line: `TARGET[INDEX]=KIND[:ARG]`.
///
/// ```
/// node_Gemm_12[:, -1, 3681]=zero
/// /transformer/h.0/attn/Softmax=mul:0.5
/// h.*/mlp/*Gelu*=replace:@clean.npy
/// ```
public struct PatchSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case zero
        case add(Argument)
        case mul(Argument)
        case replace(Argument)
        case probe
    }

    /// The value a patch uses: a number, or a `.npy` file broadcast to the indexed region.
    public enum Argument: Sendable, Equatable {
        case number(Double)
        case file(String)
    }

    /// The spec as given (also the key of probes in manifests).
    public var text: String
    public var target: String
    public var index: IndexExpression
    public var kind: Kind

    public var description: String { text }

    public init(target: String, index: IndexExpression = .all, kind: Kind, text: String? = nil) {
        self.target = target
        self.index = index
        self.kind = kind
        self.text = text ?? "\(target)\(index.items.isEmpty ? "" : "[\(index)]")=\(kind)"
    }

    /// Parses `TARGET[INDEX]=KIND[:ARG]`.
    public static func parse(_ text: String) throws(PatchError) -> PatchSpec {
        guard let eq = text.lastIndex(of: "=") else { throw .malformedSpec(text, "no '='") }
        var lhs = Substring(text[..<eq])
        let rhs = text[text.index(after: eq)...]
        var index = IndexExpression.all
        if lhs.last == "]" {
            guard let open = lhs.lastIndex(of: "[") else { throw .malformedSpec(text, "']' without '['") }
            do {
                index = try IndexExpression.parse(String(lhs[lhs.index(after: open)..<lhs.index(before: lhs.endIndex)]))
            } catch {
                throw .malformedSpec(text, error.description)
            }
            lhs = lhs[..<open]
        }
        let target = String(lhs).trimmingSpaces
        guard !target.isEmpty else { throw .malformedSpec(text, "empty target") }
        let kindText: Substring
        let argText: Substring?
        if let colon = rhs.firstIndex(of: ":") {
            kindText = rhs[..<colon]
            argText = rhs[rhs.index(after: colon)...]
        } else {
            kindText = rhs
            argText = nil
        }
        func argument() throws(PatchError) -> Argument {
            guard let argText, !argText.isEmpty else {
                throw .malformedSpec(text, "'\(kindText)' needs an argument (a number or @file.npy)")
            }
            if argText.hasPrefix("@") {
                let path = String(argText.dropFirst())
                guard !path.isEmpty else { throw .malformedSpec(text, "'@' without a file name") }
                return .file(path)
            }
            guard let value = Double(argText) else {
                throw .malformedSpec(text, "'\(argText)' is not a number or @file.npy")
            }
            return .number(value)
        }
        let kind: Kind
        switch kindText {
        case "zero", "probe":
            if argText != nil { throw .malformedSpec(text, "'\(kindText)' takes no argument") }
            if kindText == "probe" && !index.items.isEmpty {
                throw .malformedSpec(text, "a probe records the whole value; remove the index")
            }
            kind = kindText == "zero" ? .zero : .probe
        case "add": kind = .add(try argument())
        case "mul": kind = .mul(try argument())
        case "replace": kind = .replace(try argument())
        default: throw .unknownKind(spec: text, kind: String(kindText))
        }
        return PatchSpec(target: target, index: index, kind: kind, text: text)
    }
}
