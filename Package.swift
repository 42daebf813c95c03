// swift-tools-version: 6.0
import PackageDescription

// Module arrows (left may use right): onnxpatch → ONNXPatch → {Patching, Interpreter, ONNXImport, Tokenizers}
// Interpreter → {Kernels, GraphIR}; Patching → GraphIR; ONNXImport → {GraphIR, COnnxProto}
// GraphIR → TensorCore; Tokenizers uses Foundation only. C types stay inside ONNXImport and Kernels.
let package = Package(
    name: "onnxpatch",
    products: [
        .library(name: "ONNXPatch", targets: ["ONNXPatch"]),
        .executable(name: "onnxpatch", targets: ["onnxpatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CProtobufC", pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "COnnxProto", dependencies: ["CProtobufC"],
            cSettings: [.define("NDEBUG")]),
        .target(name: "TensorCore"),
        .target(name: "GraphIR", dependencies: ["TensorCore"]),
        .target(name: "ONNXImport", dependencies: ["GraphIR", "TensorCore", "COnnxProto"]),
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "Interpreter", dependencies: ["GraphIR", "TensorCore", "Kernels"]),
        .target(name: "Patching", dependencies: ["GraphIR", "TensorCore"]),
        .target(name: "Tokenizers"),
        .target(
            name: "ONNXPatch",
            dependencies: ["ONNXImport", "Interpreter", "Patching", "Kernels", "GraphIR", "TensorCore", "Tokenizers"]),
        .executableTarget(
            name: "onnxpatch",
            dependencies: ["ONNXPatch", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "GraphIRTests", dependencies: ["GraphIR"]),
        .testTarget(name: "ONNXImportTests", dependencies: ["ONNXImport", "GraphIR", "TensorCore"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "GraphIR", "TensorCore"]),
        .testTarget(name: "PatchingTests", dependencies: ["Patching", "GraphIR", "TensorCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ONNXPatch", "TensorCore"]),
        .testTarget(name: "HostileInputTests", dependencies: ["ONNXImport", "Patching", "TensorCore"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"]),
        .testTarget(
            name: "ConformanceTests", dependencies: ["ONNXImport", "Interpreter", "GraphIR", "TensorCore"],
            exclude: ["expected-results.txt"]),
    ]
)
