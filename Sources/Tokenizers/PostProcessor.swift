/// The `post_processor` of a tokenizer.json: adds special tokens around an encoded sequence when
/// `add_special_tokens` is true (`TemplateProcessing`'s single-sequence template, e.g. `<s> $A`).
/// `ByteLevel` only adjusts offsets, so it leaves ids alone.
indirect enum PostProcessor: Sendable {
    case sequence([PostProcessor])
    case byteLevel
    /// Ids before and after the sequence.
    case template(prefix: [Int], suffix: [Int])

    static let supported = ["Sequence", "ByteLevel", "TemplateProcessing"]

    init(_ json: JSONObject) throws(TokenizerError) {
        let type = try json.type()
        switch type {
        case "Sequence":
            self = .sequence(try json.objects("processors").map { (o) throws(TokenizerError) in try PostProcessor(o) })
        case "ByteLevel":
            self = .byteLevel
        case "TemplateProcessing":
            let specials = try json.object("special_tokens")
            var prefix: [Int] = [], suffix: [Int] = []
            var seenSequence = false
            for (i, item) in try json.objects("single").enumerated() {
                let at = json.at("single") + "[\(i)]"
                if let special = try item.optionalObject("SpecialToken") {
                    let name = try special.string("id")
                    let entry = try specials.object(name)
                    var ids: [Int] = []
                    for (k, value) in try entry.array("ids").enumerated() {
                        ids.append(try JSONObject.int(value, at: entry.at("ids") + "[\(k)]", source: json.source))
                    }
                    if seenSequence { suffix += ids } else { prefix += ids }
                } else if let sequence = try item.optionalObject("Sequence") {
                    let name = try sequence.string("id")
                    guard name == "A", !seenSequence else {
                        throw .malformed(source: json.source, at: at, reason: "a single-sequence template holds $A once, got $\(name)")
                    }
                    seenSequence = true
                } else {
                    throw .malformed(source: json.source, at: at, reason: "expected {\"SpecialToken\": …} or {\"Sequence\": …}")
                }
            }
            guard seenSequence else {
                throw .malformed(source: json.source, at: json.at("single"), reason: "the template has no $A")
            }
            self = .template(prefix: prefix, suffix: suffix)
        default:
            throw json.unsupported("post_processor", type, supported: Self.supported)
        }
    }

    func callAsFunction(_ ids: [Int]) -> [Int] {
        switch self {
        case .sequence(let steps): steps.reduce(ids) { $1($0) }
        case .byteLevel: ids
        case .template(let prefix, let suffix): prefix + ids + suffix
        }
    }
}
