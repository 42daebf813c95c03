import GraphIR

/// Builds an ``Operator`` for one node; throws on bad attributes.
public typealias OpFactory = @Sendable (OpContext) throws -> any Operator

/// Operator implementations keyed by (domain, op type, since-version). Lookup picks the newest
/// implementation whose since-version is ≤ the model's opset for that domain.
///
/// A value: tests can build a registry with a fake op.
public struct OpRegistry: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var domain: String
        public var opType: String
        public static func < (a: Key, b: Key) -> Bool { (a.domain, a.opType) < (b.domain, b.opType) }
    }

    private var entries: [Key: [(since: Int, factory: OpFactory)]] = [:]

    public init() {}

    /// Registers `factory` for `opType` from opset `since` on. `domain` `""` is `ai.onnx`.
    public mutating func register(
        _ opType: String, domain: String = "", since: Int = 1, _ factory: @escaping OpFactory
    ) {
        let key = Key(domain: Self.canonical(domain), opType: opType)
        entries[key, default: []].append((since, factory))
        entries[key]?.sort { $0.since < $1.since }
    }

    /// The factory for `opType` at `opset`, or nil when none applies.
    public func factory(opType: String, domain: String, opset: Int) -> OpFactory? {
        guard let candidates = entries[Key(domain: Self.canonical(domain), opType: opType)] else { return nil }
        return candidates.last { $0.since <= opset }?.factory
    }

    /// Every registered (domain, op type), sorted.
    public var keys: [Key] { entries.keys.sorted() }

    /// The since-versions registered for `key`, ascending.
    public func versions(of key: Key) -> [Int] { entries[key]?.map(\.since) ?? [] }

    static func canonical(_ domain: String) -> String { domain == "ai.onnx" ? "" : domain }
}

extension OpRegistry {
    /// Every operator this package implements. Each family registers itself through one function;
    /// this list is the only place they are gathered.
    public static let standard: OpRegistry = {
        var registry = OpRegistry()
        registerElementwiseOps(&registry)
        registerShapeOps(&registry)
        registerLinearAlgebraOps(&registry)
        registerNormalizationOps(&registry)
        registerReductionOps(&registry)
        registerNeuralNetworkOps(&registry)
        registerMiscOps(&registry)
        return registry
    }()
}
