import Interpreter
import ONNXImport
import TensorCore

/// Every failure the library reports, with one-line text naming the file, node or input.
public enum ONNXPatchError: Error, CustomStringConvertible {
    case load(ImportError)
    case run(InterpreterError)
    case tensor(TensorError)
    case input(String)

    public var description: String {
        switch self {
        case .load(let error): error.description
        case .run(let error): error.description
        case .tensor(let error): error.description
        case .input(let message): message
        }
    }
}
