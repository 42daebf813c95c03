import Foundation
import GraphIR
import TensorCore
import Testing

@testable import ONNXImport

@Suite struct ExternalDataTests {
    @Test func validExternalData() throws {
        let graph = try ModelLoader.load(path: fixture("external/valid.onnx")).graph
        var byName: [String: Tensor] = [:]
        for (id, tensor) in graph.initializers { byName[graph[id].name] = tensor }
        let a = try #require(byName["ext_a"])
        #expect(a.scalars(as: Float.self) == [1, 2, 3, 4])
        #expect(!a.storage.isOwned)  // offset 0: borrowed from the mapping
        let b = try #require(byName["ext_b"])
        #expect(b.scalars(as: Int64.self) == [-5, 6])
        #expect(!b.storage.isOwned)  // offset 16, 8-aligned
        let c = try #require(byName["ext_c"])
        #expect(c.scalars(as: Float.self) == [0.5, 0.25])
        #expect(c.storage.isOwned)  // offset 34 is not 4-aligned: copied
        #expect(byName["ext_d"]?.scalars(as: Float.self) == [9])  // no length: to the end of the file
        #expect(byName["ext_sub"]?.scalars(as: Float.self) == [11, 12])
        // A Constant's tensor attribute may use external data too.
        let constant = try #require(graph.nodes.first { $0.opType == "Constant" })
        #expect(try constant.tensor("value")?.scalars(as: Float.self) == [11, 12])
        // One mapping per file: tensors of the same file share its owner.
        #expect(a.storage.base + 16 == b.storage.base)
    }

    @Test(arguments: [
        ("absolute.onnx", ["initializer 'w'", "'/tmp/weights.bin'", "absolute path"]),
        ("dotdot.onnx", ["initializer 'w'", "'..' component"]),
        ("unknown_key.onnx", ["initializer 'w'", "unknown key 'sha1'"]),
        ("past_end.onnx", ["initializer 'w'", "offset 40 + length 16", "past the end", "(48 bytes)"]),
        ("length_mismatch.onnx", ["initializer 'w'", "length 12", "dims [4] of float32 (16 bytes)"]),
        ("negative_offset.onnx", ["initializer 'w'", "offset '-4'"]),
        ("nonnumeric_length.onnx", ["initializer 'w'", "length '16abc'"]),
        ("missing_file.onnx", ["initializer 'w'", "'nothere.bin'", "No such file"]),
    ])
    func refusedDeclarations(file: String, fragments: [String]) {
        expectLoadError(fixture("external/" + file), fragments)
    }

    /// Copies `model` (a fixture under external/) and `sub/w.bin` into a fresh folder, lets
    /// `arrange` change the folder, then loads the copy.
    private func loadCopy(_ model: String, _ arrange: (URL) throws -> Void) throws -> (String, ImportError?) {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fm = FileManager.default
        try fm.copyItem(
            atPath: fixture("external/" + model), toPath: folder.appendingPathComponent(model).path)
        try arrange(folder)
        let path = folder.appendingPathComponent(model).path
        do {
            _ = try ModelLoader.load(path: path)
            return (path, nil)
        } catch {
            return (path, error)
        }
    }

    @Test func plainCopyLoads() throws {
        let (_, error) = try loadCopy("sub_only.onnx") { folder in
            let sub = folder.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: fixture("external/sub/w.bin"), toPath: sub.appendingPathComponent("w.bin").path)
        }
        #expect(error == nil)
    }

    @Test func symlinkedFileIsRefused() throws {
        let (path, error) = try loadCopy("sub_only.onnx") { folder in
            let sub = folder.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            // Even a link to a file inside the folder is refused.
            try FileManager.default.copyItem(
                atPath: fixture("external/sub/w.bin"), toPath: folder.appendingPathComponent("real.bin").path)
            try FileManager.default.createSymbolicLink(
                atPath: sub.appendingPathComponent("w.bin").path, withDestinationPath: "../real.bin")
        }
        let message = error?.description ?? "loaded"
        #expect(message.hasPrefix(path))
        #expect(message.contains("initializer 'w'"))
        #expect(message.contains("symbolic link"))
    }

    @Test func symlinkedFolderIsRefused() throws {
        let outside = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.copyItem(
            atPath: fixture("external/sub/w.bin"), toPath: outside.appendingPathComponent("w.bin").path)
        let (_, error) = try loadCopy("sub_only.onnx") { folder in
            try FileManager.default.createSymbolicLink(
                atPath: folder.appendingPathComponent("sub").path, withDestinationPath: outside.path)
        }
        let message = error?.description ?? "loaded"
        #expect(message.contains("symbolic link"))
        #expect(message.contains("/sub'"))
    }

    @Test func hardLinkedFileIsRefused() throws {
        let outside = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outside) }
        let secret = outside.appendingPathComponent("secret.bin")
        try FileManager.default.copyItem(atPath: fixture("external/sub/w.bin"), toPath: secret.path)
        let (_, error) = try loadCopy("sub_only.onnx") { folder in
            let sub = folder.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try FileManager.default.linkItem(
                atPath: secret.path, toPath: sub.appendingPathComponent("w.bin").path)
        }
        let message = error?.description ?? "loaded"
        #expect(message.contains("initializer 'w'"))
        #expect(message.contains("2 hard links"))
    }

    @Test func directoryAsLocationIsRefused() throws {
        let (_, error) = try loadCopy("sub_only.onnx") { folder in
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent("sub/w.bin"), withIntermediateDirectories: true)
        }
        let message = error?.description ?? "loaded"
        #expect(message.contains("initializer 'w'"))
        #expect(message.contains("directory"))
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let (_, error) = try loadCopy("sub_only.onnx") { folder in
            let sub = folder.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            #expect(mkfifo(sub.appendingPathComponent("w.bin").path, 0o600) == 0)
        }
        let message = error?.description ?? "loaded"
        #expect(message.contains("initializer 'w'"))
        #expect(message.contains("not a regular file"))
    }

    @Test func externalDataIsRefusedInInlineTensorProtos() throws {
        // TensorProto{dims: [1], data_type: FLOAT, external_data: {location: w.bin}, data_location: EXTERNAL}
        let entry: [UInt8] = [0x0A, 0x08] + Array("location".utf8) + [0x12, 0x05] + Array("w.bin".utf8)
        let bytes: [UInt8] = [0x08, 0x01, 0x10, 0x01, 0x6A, UInt8(entry.count)] + entry + [0x70, 0x01]
        let error = bytes.withUnsafeBytes { buffer in
            importError { () throws(ImportError) in
                try TensorProtoFile.decode(bytes: buffer, source: "inline.pb")
            }
        }
        #expect(error?.description.contains("inline.pb: tensor: external data: not allowed here") == true)
    }
}
