import COnnxProto

// Small readers for protobuf-c's C layout: `char *` strings that may be NULL, `n_x` + `x`
// arrays, and `ProtobufCBinaryData` bytes. Nothing here leaves the module.

/// A protobuf-c string field; NULL (absent) reads as "". Invalid UTF-8 is repaired.
func cString(_ pointer: UnsafePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    return String(cString: pointer)
}

func cString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    cString(UnsafePointer(pointer))
}

/// A repeated message field as Swift pointers (protobuf-c never stores NULL elements).
func cMessages<T>(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ count: Int)
    -> [UnsafeMutablePointer<T>]
{
    guard let pointer, count > 0 else { return [] }
    return UnsafeBufferPointer(start: pointer, count: count).compactMap { $0 }
}

/// A repeated string field.
func cStrings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) -> [String] {
    guard let pointer, count > 0 else { return [] }
    return UnsafeBufferPointer(start: pointer, count: count).map { cString($0) }
}

/// A repeated scalar field.
func cScalars<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> UnsafeBufferPointer<T> {
    guard let pointer, count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: pointer, count: count)
}

/// A `bytes` field decoded as UTF-8 (lossy: invalid sequences become U+FFFD).
func cBytesString(_ data: ProtobufCBinaryData) -> String {
    guard let base = data.data, data.len > 0 else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: base, count: data.len), as: UTF8.self)
}

/// `StringStringEntryProto` list as pairs, in file order.
func cEntries(
    _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?, _ count: Int
)
    -> [(key: String, value: String)]
{
    cMessages(pointer, count).map { (cString($0.pointee.key), cString($0.pointee.value)) }
}

/// The ONNX name of a `TensorProto.DataType` code, for messages about unsupported types.
func onnxDataTypeName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
        8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
        15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2",
        20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2",
        26: "INT2", 27: "FLOAT6E2M3", 28: "FLOAT6E3M2",
    ]
    return names[code].map { "\($0) (\(code))" } ?? "unknown (\(code))"
}
