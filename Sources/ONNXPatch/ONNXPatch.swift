/// ONNXPatch: the public library. Load an exported model once as a ``PatchableGraph``, then run
/// it (and, with the patching layer, probe and patch it) as many times as needed.
@_exported import GraphIR
@_exported import TensorCore
@_exported import class Interpreter.Profile
@_exported import struct ONNXImport.ImportOptions
