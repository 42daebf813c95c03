// libFuzzer target: the model loader (wire scan, protobuf-c unpack under a budget, graph building,
// tensor decoding, external data, verification). Built by tools/fuzz.sh, not by SwiftPM.

import ONNXImport

#if canImport(Glibc)
    import Glibc
#endif

/// The folder the model is written to, holding `weights.bin` and `sub/w.bin` so seeds that use
/// external data reach the offset/length checks. tools/fuzz.sh prepares it (FUZZ_SCRATCH).
nonisolated(unsafe) private var modelPath: String = {
    let folder = getenv("FUZZ_SCRATCH").map { String(cString: $0) } ?? "/tmp"
    return folder + "/model-\(getpid()).onnx"
}()

private let options: ImportOptions = {
    var options = ImportOptions()
    // Keeps a crafted file from asking for more than libFuzzer's malloc limit.
    options.maxTensorBytes = 16 << 20
    return options
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fd = open(modelPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return 0 }
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
        guard n > 0 else { break }
        written += n
    }
    close(fd)
    guard written == size else { return 0 }
    do {
        let model = try ModelLoader.load(path: modelPath, options: options)
        // Touch what the command line prints, so lazily wrong values would show up here.
        var total = 0
        for node in model.graph.nodes { total &+= node.name.utf8.count &+ node.inputs.count }
        for (_, tensor) in model.graph.initializers { total &+= tensor.byteCount }
        precondition(total >= 0 || total < 0)
    } catch {
        // A refusal is the expected outcome; its text must name the file. (It may hold text from
        // the file, newlines included: the command line escapes those when it prints.)
        let message = error.description
        precondition(message.hasPrefix(modelPath), "message does not name the file: \(message)")
    }
    return 0
}
