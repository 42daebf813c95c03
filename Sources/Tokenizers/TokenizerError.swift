/// Why a tokenizer.json could not be loaded, or an id could not be decoded. Every case names the
/// file and, where it applies, the component (JSON path) at fault.
public enum TokenizerError: Error, CustomStringConvertible, Sendable {
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not JSON, or a field has the wrong type or an impossible value.
    case malformed(source: String, at: String, reason: String)
    /// A component of a kind onnxpatch does not implement (e.g. a `WordPiece` model).
    case unsupported(source: String, component: String, kind: String, supported: [String])
    /// A supported component with a setting that is not (e.g. BPE dropout).
    case unsupportedSetting(source: String, at: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "\(path): cannot read tokenizer file (\(reason))"
        case .malformed(let source, let at, let reason):
            "\(source): \(at.isEmpty ? "" : at + ": ")\(reason)"
        case .unsupported(let source, let component, let kind, let supported):
            "\(source): \(component) '\(kind)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .unsupportedSetting(let source, let at, let reason):
            "\(source): \(at): \(reason)"
        }
    }
}
