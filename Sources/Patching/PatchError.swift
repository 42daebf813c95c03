/// Why a patch or probe cannot apply, naming the spec; raised before anything runs.
public enum PatchError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedSpec(String, String)
    case malformedIndex(String, String)
    case unknownKind(spec: String, kind: String)
    case unknownTarget(spec: String, target: String, suggestions: [String])
    case ambiguousTarget(spec: String, target: String, candidates: [String])
    case indexOutOfRange(index: String, shape: [Int], reason: String)
    case badArgument(spec: String, reason: String)
    case patchFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedSpec(let spec, let reason):
            "patch '\(spec)': \(reason) (expected TARGET[INDEX]=KIND[:ARG])"
        case .malformedIndex(let index, let reason):
            "index [\(index)]: \(reason)"
        case .unknownKind(let spec, let kind):
            "patch '\(spec)': unknown kind '\(kind)' (expected zero, add, mul, replace or probe)"
        case .unknownTarget(let spec, let target, let suggestions):
            "'\(spec)': no node, value, input or initializer named '\(target)'"
                + (suggestions.isEmpty ? "" : "; did you mean " + suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?")
        case .ambiguousTarget(let spec, let target, let candidates):
            "'\(spec)': '\(target)' names more than one value (" + candidates.joined(separator: ", ") + ")"
        case .indexOutOfRange(let index, let shape, let reason):
            "index [\(index)] does not fit shape \(shape): \(reason)"
        case .badArgument(let spec, let reason):
            "patch '\(spec)': \(reason)"
        case .patchFile(let path, let reason):
            "\(path): \(reason)"
        }
    }
}
