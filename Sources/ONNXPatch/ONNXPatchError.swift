import Interpreter
import ONNXImport
import Patching
import TensorCore

/// Every failure the library reports, with one-line text naming the file, node or input.
public enum ONNXPatchError: Error, CustomStringConvertible {
    case load(ImportError)
    case run(InterpreterError)
    case tensor(TensorError)
    case patch(PatchError)
    case input(String)

    public var description: String {
        switch self {
        case .load(let error): error.description
        case .run(let error): error.description
        case .tensor(let error): error.description
        case .patch(let error): error.description
        case .input(let message): message
        }
    }
}
