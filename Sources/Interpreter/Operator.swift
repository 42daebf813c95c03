import GraphIR
import TensorCore

/// A bound operator: attributes parsed once at plan time, then called once per run.
///
/// `inputs` lines up with the node's inputs; an omitted optional input is nil. The result lines
/// up with the node's outputs (an op may return fewer when trailing optional outputs are unused
/// and it did not compute them — the plan checks every output it needs is there).
public protocol Operator: Sendable {
    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor]
}

/// What an operator factory sees of its node at plan time.
public struct OpContext: Sendable {
    public let node: Node
    /// The opset version of the node's domain in this model.
    public let opset: Int

    public init(node: Node, opset: Int) {
        self.node = node
        self.opset = opset
    }
}

/// An operator failure, without the node's name (the plan adds it while unwinding).
public struct OpError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Array where Element == Tensor? {
    /// Input `index`, or an error naming it when it is absent.
    public func required(_ index: Int) throws(OpError) -> Tensor {
        guard index < count, let tensor = self[index] else {
            throw OpError("input \(index) is required but missing")
        }
        return tensor
    }

    /// Input `index` when present (optional inputs may be omitted or trailing).
    public func optional(_ index: Int) -> Tensor? {
        index < count ? self[index] : nil
    }
}
