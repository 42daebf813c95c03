/// The naming rules that make node names stable patch targets (DESIGN.md, "Names are the
/// product"), and scope paths from both PyTorch exporters.
public enum NodeNaming {
    /// Unique names for nodes in file order: `NodeProto.name`; if empty, the first output's
    /// name; if still empty, `<OpType>_<index>`. Later duplicates get `#2`, `#3`….
    public static func uniqueNames(raw: [(name: String, firstOutput: String, opType: String)]) -> [String] {
        var taken: [String: Int] = [:]
        var result: [String] = []
        result.reserveCapacity(raw.count)
        let bases = raw.enumerated().map { index, entry in
            !entry.name.isEmpty ? entry.name
                : !entry.firstOutput.isEmpty ? entry.firstOutput : "\(entry.opType)_\(index)"
        }
        var used = Set(bases)
        for base in bases {
            let seen = taken[base, default: 0] + 1
            taken[base] = seen
            if seen == 1 {
                result.append(base)
                continue
            }
            var k = seen
            var candidate = "\(base)#\(k)"
            while used.contains(candidate) {
                k += 1
                candidate = "\(base)#\(k)"
            }
            taken[base] = k
            used.insert(candidate)
            result.append(candidate)
        }
        return result
    }

    /// The metadata key in which the dynamo exporter records module scopes.
    public static let nameScopesKey = "pkg.torch.onnx.name_scopes"

    /// The scope path of a node: from `pkg.torch.onnx.name_scopes` when present, else from a
    /// legacy `/a/b/Op` name (every component but the last).
    public static func scope(name: String, metadata: [String: String]) -> [String] {
        if let raw = metadata[nameScopesKey], let scopes = parseNameScopes(raw) {
            return scopes
        }
        guard name.hasPrefix("/") else { return [] }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return Array(parts.dropLast())
    }

    /// Turns `['', 'm', 'm.transformer', 'm.transformer.h.0', 'view_2']` into
    /// `["m", "transformer", "h.0"]`: the module path. The list starts at the root `''`; each module
    /// entry extends the previous one by `.component` (a component may contain dots, as `h.0`);
    /// the dynamo exporter ends the list with the FX node's own name, which is not a module. Lists
    /// that do not start at the root (ops outside any module) have no scope.
    static func parseNameScopes(_ raw: String) -> [String]? {
        let trimmed = raw.trimmingCharacters(in: " []")
        guard !trimmed.isEmpty else { return [] }
        let entries = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: " '\"") }
        guard entries.first == "" else { return [] }
        var result: [String] = []
        for i in entries.indices.dropFirst() {
            let previous = entries[i - 1], entry = entries[i]
            if previous.isEmpty {
                // A top-level module, unless it is the last entry (then it is the FX node's name).
                guard i < entries.count - 1, !entry.isEmpty else { break }
                result.append(entry)
            } else if entry.hasPrefix(previous + ".") {
                result.append(String(entry.dropFirst(previous.count + 1)))
            } else {
                break
            }
        }
        return result
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
