// libFuzzer target: `.npy` files (inputs and patch values). Built by tools/fuzz.sh.

import TensorCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    do {
        let tensor = try NPY.decode(bytes)
        var sum: UInt8 = 0
        tensor.withUnsafeRawBytes { for b in $0 { sum &+= b } }
        _ = sum
        // What `run` does with an output: encode it again; the round trip must be exact.
        if let encoded = try? NPY.encode(tensor) {
            let again = try encoded.withUnsafeBytes { (raw) throws(TensorError) in try NPY.decode(raw) }
            precondition(again.shape == tensor.shape && again.dtype == tensor.dtype, "round trip changed the header")
            let same = again.withUnsafeRawBytes { a in tensor.withUnsafeRawBytes { b in a.elementsEqual(b) } }
            precondition(same, "round trip changed the data")
        }
    } catch {
        // A refusal is the expected outcome.
        precondition(!"\(error)".isEmpty)
    }
    return 0
}
