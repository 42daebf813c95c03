// libFuzzer target: serialized TensorProto (`.pb`) input files. Built by tools/fuzz.sh.

import ONNXImport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensorProto(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    do {
        let (_, tensor) = try TensorProtoFile.decode(bytes: bytes, source: "fuzz.pb")
        // Read every byte the tensor claims to hold (ASan reports a short buffer).
        var sum: UInt8 = 0
        tensor.withUnsafeRawBytes { for b in $0 { sum &+= b } }
        _ = sum
    } catch {
        let message = error.description
        precondition(message.hasPrefix("fuzz.pb: "), "message does not name the file: \(message)")
    }
    return 0
}
