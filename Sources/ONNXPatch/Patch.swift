import Foundation
import Patching
import TensorCore

/// One entry of a patch list: a parsed spec (`TARGET[INDEX]=KIND[:ARG]`) or a custom Swift closure
/// applied to the indexed region of the target.
///
/// ```swift
/// let zero = try Patch("node_Gemm_12[:, -1, 3681]=zero")
/// let halve = Patch(target: "h.0/mlp/*", label: "halve") { $0 * 0.5 }
/// ```
public struct Patch: Sendable {
    public typealias Body = @Sendable (Tensor) throws -> Tensor

    public let spec: PatchSpec
    let custom: Body?
    /// Distinguishes custom closures in plan caching: the same `Patch` value reuses its plan.
    let identity: String

    /// Parses a spec.
    public init(_ text: String) throws(ONNXPatchError) {
        do {
            spec = try PatchSpec.parse(text)
        } catch {
            throw .patch(error)
        }
        custom = nil
        identity = text
    }

    /// A custom patch: `body` receives the indexed region of the target and returns its
    /// replacement, of the same shape and dtype.
    public init(target: String, index: String? = nil, label: String? = nil, _ body: @escaping Body) throws(ONNXPatchError) {
        let expression: IndexExpression
        do {
            expression = try index.map { (text) throws(PatchError) in try IndexExpression.parse(text) } ?? .all
        } catch {
            throw .patch(error)
        }
        let text = label ?? "\(target)\(index.map { "[\($0)]" } ?? "")=custom"
        spec = PatchSpec(target: target, index: expression, kind: .probe, text: text)
        custom = body
        identity = text + "#" + UUID().uuidString
    }

    public var isProbe: Bool { custom == nil && spec.kind == .probe }
}

