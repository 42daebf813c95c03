import ONNXImport
import TensorCore

/// Tensor files given on the command line or by scripts: `.npy` or a serialized ONNX `TensorProto` (`.pb`).
public enum InputFile {
    /// Reads the tensor in `path`, choosing the format by extension.
    public static func read(path: String) throws(ONNXPatchError) -> Tensor {
        if path.hasSuffix(".npy") {
            do {
                return try NPY.read(path: path)
            } catch {
                throw .tensor(error)
            }
        }
        if path.hasSuffix(".pb") {
            do {
                return try TensorProtoFile.load(path: path).tensor
            } catch {
                throw .load(error)
            }
        }
        throw .input("\(path): unknown input file type (expected .npy or .pb)")
    }

    /// Parses `NAME=FILE` and reads FILE.
    public static func parse(_ argument: String) throws(ONNXPatchError) -> (name: String, tensor: Tensor) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex,
              argument.index(after: eq) != argument.endIndex
        else {
            throw .input("--input '\(argument)': expected NAME=FILE")
        }
        let name = String(argument[..<eq])
        return (name, try read(path: String(argument[argument.index(after: eq)...])))
    }
}
