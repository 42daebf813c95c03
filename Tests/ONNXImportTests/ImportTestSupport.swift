import Foundation
import Testing

@testable import ONNXImport

/// `Fixtures/import/<name>`, found from this file's path (…/Tests/ONNXImportTests/X.swift).
func fixture(_ name: String, filePath: String = #filePath) -> String {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/import/\(name)").path
}

/// The ImportError thrown by `body`, or nil (recorded as a test failure) when it succeeds.
func importError<R>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(ImportError) -> R
) -> ImportError? {
    do {
        _ = try body()
        Issue.record("expected an ImportError, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Expects loading `path` to fail with a one-line message containing the file name and every
/// fragment of `fragments`.
func expectLoadError(
    _ path: String, _ fragments: [String], options: ImportOptions = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard
        let error = importError(
            sourceLocation: sourceLocation,
            { () throws(ImportError) in
                try ModelLoader.load(path: path, options: options)
            })
    else { return }
    let message = error.description
    #expect(!message.contains("\n"), "message is not one line: \(message)", sourceLocation: sourceLocation)
    #expect(
        message.contains(path), "message does not name the file: \(message)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(
            message.contains(fragment), "'\(fragment)' missing from: \(message)",
            sourceLocation: sourceLocation)
    }
}

/// A fresh temporary folder, removed by the caller with `cleanup`.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("onnximport-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
