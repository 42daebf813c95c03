import GraphIR
import TensorCore

extension Plan {
    /// Maps named inputs to values and checks each against the graph input's declared dtype and
    /// shape. Symbolic dimensions (`batch`, `sequence`) must bind to one size across all inputs.
    public func checkedFeeds(_ inputs: [String: Tensor]) throws(InterpreterError) -> [ValueID: Tensor] {
        var byName: [String: ValueID] = [:]
        for input in graph.inputs { byName[graph.values[input.index].name] = input }
        var feeds: [ValueID: Tensor] = [:]
        var bound: [String: (size: Int, input: String)] = [:]
        for (name, tensor) in inputs.sorted(by: { $0.key < $1.key }) {
            guard let value = byName[name] else {
                throw .unknownInput(name, known: graph.inputs.map { graph.values[$0.index].name })
            }
            let info = graph.values[value.index]
            if let dtype = info.dtype, dtype != tensor.dtype {
                throw .inputMismatch(name: name, message: "expected \(dtype), got \(tensor.dtype)")
            }
            if let shape = info.shape {
                let declared = "[" + shape.map(\.description).joined(separator: ", ") + "]"
                guard shape.count == tensor.rank else {
                    throw .inputMismatch(name: name, message: "expected shape \(declared) (rank \(shape.count)), got \(tensor.shape)")
                }
                for (axis, dim) in shape.enumerated() {
                    let size = tensor.shape[axis]
                    switch dim {
                    case .known(let expected) where expected != size:
                        throw .inputMismatch(name: name, message: "expected shape \(declared), got \(tensor.shape) (axis \(axis))")
                    case .symbolic(let symbol):
                        if let previous = bound[symbol], previous.size != size {
                            throw .inputMismatch(name: name, message: "dimension '\(symbol)' is \(size) here but \(previous.size) in input '\(previous.input)'")
                        }
                        bound[symbol] = (size, name)
                    default:
                        break
                    }
                }
            }
            feeds[value] = tensor
        }
        for input in graph.inputs where feeds[input] == nil {
            throw .missingInput(graph.values[input.index].name)
        }
        return feeds
    }
}
