import Interpreter

/// The operators the interpreter implements, for `onnxpatch ops` and the README.
public enum SupportedOps {
    public struct Entry: Sendable, Encodable {
        public var domain: String
        public var op: String
        /// Opset versions from which an implementation applies.
        public var since: [Int]
    }

    public static var all: [Entry] {
        let registry = OpRegistry.standard
        return registry.keys.filter { $0.domain != Plan.internalDomain }.map { key in
            Entry(domain: key.domain.isEmpty ? "ai.onnx" : key.domain, op: key.opType, since: registry.versions(of: key))
        }
    }
}
