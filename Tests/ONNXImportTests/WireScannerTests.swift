import Foundation
import Testing

@testable import ONNXImport

@Suite struct WireScannerTests {
    private func scan(_ bytes: [UInt8], root: WireMessage = .model, maxDepth: Int = 64) throws(ImportError)
        -> WireScan
    {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        return try WireScanner.scan(
            UnsafeRawBufferPointer(buffer), root: root, maxDepth: maxDepth, path: "test.onnx")
    }

    private func fileBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
    }

    /// The scanner's table against onnx's own descriptors (tools/make-import-fixtures.py wrote
    /// every submessage field reachable from ModelProto).
    @Test func schemaMatchesOnnxDescriptors() throws {
        let text = try String(contentsOfFile: fixture("schema.txt"), encoding: .utf8)
        var expected: [String: [UInt64: String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ").map(String.init)
            try #require(parts.count == 3)
            expected[parts[0], default: [:]][try #require(UInt64(parts[1]))] = parts[2]
        }
        var messages: [String: WireMessage] = [:]
        for raw in UInt8(0)...UInt8(64) {
            if let message = WireMessage(rawValue: raw) { messages[message.protoName] = message }
        }
        // Every message with submessage fields is known, and has exactly those.
        for (name, fields) in expected {
            let message = try #require(messages[name], "no WireMessage for \(name)")
            for field in UInt64(1)...UInt64(40) {
                #expect(message.child(field)?.protoName == fields[field], "\(name) field \(field)")
            }
        }
        for (name, message) in messages where expected[name] == nil {
            for field in UInt64(1)...UInt64(40) {
                #expect(message.child(field) == nil, "\(name) field \(field) should be a leaf")
            }
        }
    }

    @Test func deepNestingDoesNotRecurse() throws {
        // The scanner keeps its own stack, so even an absurd limit cannot overflow the thread's.
        let result = try scan(try fileBytes("malformed/nested.onnx"), maxDepth: .max)
        // ModelProto, GraphProto, then NodeProto, AttributeProto, GraphProto per level.
        #expect(result.nodeCount > 2900)
        #expect(result.depth == 2 + 3 * result.nodeCount)
    }

    @Test(arguments: [
        ([0x08] as [UInt8], "truncated varint"),
        ([0x08, 0x80], "truncated varint"),
        ([0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x7F], "longer than 64 bits"),
        ([0x3A, 0x05, 0x0A, 0x00], "field 7 of ModelProto has length 5, but only 2 bytes remain"),
        ([0x3A, 0x02, 0x0A, 0x05], "field 1 of GraphProto has length 5, but only 0 bytes remain"),
        ([0x00, 0x01], "invalid field number 0 in ModelProto"),
        ([0x0B], "group"),
        ([0x0E], "invalid wire type 6"),
        ([0x09, 0x01, 0x02], "needs 8 bytes, but only 2 remain"),
    ])
    func malformedWireData(bytes: [UInt8], fragment: String) {
        let error = importError { () throws(ImportError) in try scan(bytes) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("test.onnx: ") == true)
    }

    @Test func nestingLimitCountsTheRootAsOne() throws {
        // ModelProto{graph: GraphProto{node: NodeProto{}}} is 3 deep.
        let bytes: [UInt8] = [0x3A, 0x02, 0x0A, 0x00]
        #expect(try scan(bytes, maxDepth: 3).depth == 3)
        let error = importError { () throws(ImportError) in try scan(bytes, maxDepth: 2) }
        guard case .nestingTooDeep(_, let depth, let limit, let offset)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(depth == 3 && limit == 2 && offset == 2)
    }

    @Test func strippedModelDropsExactlyTheInitializerRawData() throws {
        let original = try fileBytes("storage_forms.onnx")
        let scan = try scan(original)
        let raw = scan.strippedRawData
        #expect(raw.count == 8)  // the *_raw initializers of the fixture
        let stripped = try #require(original.withUnsafeBytes { scan.strippedModel($0) })
        let rescan = try self.scan(stripped)
        #expect(rescan.initializers.count == scan.initializers.count)
        #expect(rescan.initializers.allSatisfy { $0.rawField == nil })
        #expect(rescan.messageCount == scan.messageCount)
        let removed = scan.initializers.compactMap(\.rawField).map(\.count).reduce(0, +)
        #expect(stripped.count <= original.count - removed)
        #expect(stripped.count >= original.count - removed - 2 * scan.initializers.count - 4)
        // The recorded range of f32_raw (the first initializer) holds its little-endian floats.
        let f32 = try #require(raw[0])
        let floats: [Float] = [1.5, -2, 3.25, 4]
        #expect(Array(original[f32]) == floats.withUnsafeBytes { Array($0) })
    }

    @Test func repeatedGraphFieldDisablesStripping() throws {
        var bytes = try fileBytes("simple.onnx")
        bytes += [0x3A, 0x00]  // a second, empty ModelProto.graph: protobuf merges it into the first
        let scan = try scan(bytes)
        #expect(scan.graphFields.count == 2)
        #expect(bytes.withUnsafeBytes { scan.strippedModel($0) } == nil)
        #expect(scan.strippedRawData.isEmpty)
    }
}
