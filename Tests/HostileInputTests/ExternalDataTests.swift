import Foundation
import Testing

/// External data that would read outside the model's folder, or lies about the file it names
/// (the rules of onnx 1.23): each is refused naming the file, the initializer and the rule.
@Suite struct ExternalDataTests {
    @Test(arguments: [
        ("import/external/absolute.onnx", ["'/tmp/weights.bin'", "absolute path"]),
        ("import/external/dotdot.onnx", ["'sub/../../external/weights.bin'", "'..' component"]),
        ("import/external/unknown_key.onnx", ["unknown key 'sha1'"]),
        ("import/external/negative_offset.onnx", ["offset '-4'", "not a non-negative integer"]),
        ("import/external/nonnumeric_length.onnx", ["length '16abc'"]),
        ("import/external/past_end.onnx", ["offset 40 + length 16", "past the end of 'weights.bin' (48 bytes)"]),
        ("import/external/length_mismatch.onnx", ["length 12", "dims [4] of float32 (16 bytes)"]),
        ("import/external/missing_file.onnx", ["'nothere.bin'", "No such file"]),
        ("hostile/external/offset_past_end.onnx", ["offset 17 is past the end of 'weights.bin' (16 bytes)"]),
        ("hostile/external/offset_huge.onnx", ["offset 9223372036854775807 is past the end"]),
        ("hostile/external/offset_overflow.onnx", ["offset '99999999999999999999'"]),
        ("hostile/external/length_huge.onnx", ["length '18446744073709551615'"]),
        ("hostile/external/length_negative.onnx", ["length '-16'"]),
        ("hostile/external/duplicate_key.onnx", ["key 'offset' appears twice"]),
        ("hostile/external/no_location.onnx", ["no location"]),
        ("hostile/external/folder_itself.onnx", ["location '.'", "outside the model's folder"]),
        ("hostile/external/model_itself.onnx", ["length 123 does not match dims [4] of float32 (16 bytes)"]),
        ("hostile/external/dims_huge.onnx", ["4398046511104 bytes", "over the limit"]),
    ])
    func refusedDeclarations(file: String, fragments: [String]) throws {
        let path = Repo.fixtures.appendingPathComponent(file).path
        expectFailure(try onnxpatch(["inspect", path]), status: 1, [path, "initializer 'w'"] + fragments)
    }

    /// Copies `hostile/external/<model>` and weights.bin into a fresh folder, lets `arrange`
    /// change the folder, and runs `inspect` on the copy.
    func inspectCopy(_ model: String, _ arrange: (URL) throws -> Void) throws -> (String, CLIResult) {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fm = FileManager.default
        try fm.copyItem(atPath: Repo.hostile("external/" + model), toPath: folder.appendingPathComponent(model).path)
        try fm.copyItem(
            atPath: Repo.hostile("external/weights.bin"), toPath: folder.appendingPathComponent("weights.bin").path)
        try arrange(folder)
        let path = folder.appendingPathComponent(model).path
        return (path, try onnxpatch(["inspect", path]))
    }

    @Test func validCopyLoads() throws {
        let (_, result) = try inspectCopy("valid.onnx") { _ in }
        expectSuccess(result)
    }

    @Test func symbolicLinkOutOfTheFolderIsRefused() throws {
        let outside = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outside) }
        let secret = try write(Array(repeating: 0x41, count: 16), "secret.bin", in: outside)
        let (path, result) = try inspectCopy("escaping_link.onnx") { folder in
            try FileManager.default.createSymbolicLink(
                atPath: folder.appendingPathComponent("link.bin").path, withDestinationPath: secret)
        }
        expectFailure(result, status: 1, [path, "initializer 'w'", "symbolic link"])
    }

    @Test func symbolicLinkInsideTheFolderIsRefusedToo() throws {
        let (path, result) = try inspectCopy("escaping_link.onnx") { folder in
            try FileManager.default.createSymbolicLink(
                atPath: folder.appendingPathComponent("link.bin").path, withDestinationPath: "weights.bin")
        }
        expectFailure(result, status: 1, [path, "initializer 'w'", "symbolic link"])
    }

    @Test func hardLinkIsRefused() throws {
        let outside = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outside) }
        let secret = try write(Array(repeating: 0x41, count: 16), "secret.bin", in: outside)
        let (path, result) = try inspectCopy("hardlink.onnx") { folder in
            try FileManager.default.linkItem(atPath: secret, toPath: folder.appendingPathComponent("hard.bin").path)
        }
        expectFailure(result, status: 1, [path, "initializer 'w'", "'hard.bin'", "2 hard links"])
    }

    @Test func symbolicLinkedModelFolderStillConfinesTheData() throws {
        // The model reached through a link to its folder: its data must resolve inside the real folder.
        let links = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: links) }
        let (_, _) = try inspectCopy("valid.onnx") { folder in
            let link = links.appendingPathComponent("model-folder")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder)
            let result = try onnxpatch(["inspect", link.appendingPathComponent("valid.onnx").path])
            expectSuccess(result)
        }
    }
}
