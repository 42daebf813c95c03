@_exported import GraphIR
@_exported import TensorCore
