import COnnxProto
import GraphIR
import TensorCore

/// Builds a ``GraphIR/Graph`` from an unpacked `GraphProto`: values in SSA form (one ``ValueID``
/// per name, so a name produced twice becomes two definitions that the verifier reports),
/// initializers as tensors, node names and scopes by ``GraphIR/NodeNaming``.
struct GraphBuilder {
    let path: String
    let decoder: TensorDecoder
    /// `raw_data` of top-level initializers that stayed in the mapped file, by initializer index.
    let mapped: [Int: MappedBytes]

    private var graph = Graph(opsetImports: [:])
    private var ids: [String: ValueID] = [:]

    init(path: String, decoder: TensorDecoder, mapped: [Int: MappedBytes]) {
        self.path = path
        self.decoder = decoder
        self.mapped = mapped
    }

    /// The value named `name`, created on first use (forward references are fine; the verifier
    /// catches names that nothing defines).
    private mutating func value(_ name: String) -> ValueID {
        if let id = ids[name] { return id }
        let id = graph.addValue(ValueInfo(name: name))
        ids[name] = id
        return id
    }

    mutating func build(
        _ proto: UnsafePointer<Onnx__GraphProto>, opsetImports: [String: Int]
    ) throws(ImportError) -> Graph {
        let g = proto.pointee
        graph.name = cString(g.name)
        graph.opsetImports = opsetImports

        // Initializers first: graph inputs that are initializers (old exporters list every
        // weight as an input) are constants, not runtime inputs.
        let initializerProtos = cMessages(g.initializer, g.n_initializer)
        var initializerNames = Set<String>()
        for proto in initializerProtos {
            initializerNames.insert(cString(proto.pointee.name))
        }
        let sparseProtos = cMessages(g.sparse_initializer, g.n_sparse_initializer)
        for proto in sparseProtos {
            initializerNames.insert(cString(proto.pointee.values?.pointee.name))
        }
        for info in cMessages(g.input, g.n_input) {
            let name = cString(info.pointee.name)
            guard !name.isEmpty else {
                throw .missingField(path: path, field: "ValueInfoProto.name", context: "graph input")
            }
            let id = value(name)
            annotate(id, with: info)
            if !initializerNames.contains(name) { graph.inputs.append(id) }
        }
        for (index, proto) in initializerProtos.enumerated() {
            let name = cString(proto.pointee.name)
            guard !name.isEmpty else {
                throw .missingField(path: path, field: "TensorProto.name", context: "initializer #\(index)")
            }
            let tensor = try decoder.decode(proto, what: "initializer '\(name)'", mapped: mapped[index])
            let id = value(name)
            guard graph.initializers[id] == nil else {
                throw .invalidGraph(
                    path: path, .definedTwice(value: name, first: "initializer", second: "initializer"))
            }
            graph.initializers[id] = tensor
            graph[id].dtype = tensor.dtype
            graph[id].shape = tensor.shape.map { .known($0) }
        }
        // Sparse initializers become dense constants; the value's name is that of `values`.
        for (index, proto) in sparseProtos.enumerated() {
            let name = cString(proto.pointee.values?.pointee.name)
            guard !name.isEmpty else {
                throw .missingField(
                    path: path, field: "TensorProto.name", context: "sparse_initializer #\(index)")
            }
            let tensor = try decoder.decodeSparse(proto, what: "sparse_initializer '\(name)'")
            let id = value(name)
            guard graph.initializers[id] == nil else {
                throw .invalidGraph(
                    path: path, .definedTwice(value: name, first: "initializer", second: "sparse_initializer")
                )
            }
            graph.initializers[id] = tensor
            graph[id].dtype = tensor.dtype
            graph[id].shape = tensor.shape.map { .known($0) }
        }

        let nodeProtos = cMessages(g.node, g.n_node)
        let names = NodeNaming.uniqueNames(
            raw: nodeProtos.map { n in
                (
                    cString(n.pointee.name), cStrings(n.pointee.output, n.pointee.n_output).first ?? "",
                    cString(n.pointee.op_type)
                )
            })
        for (proto, name) in zip(nodeProtos, names) {
            graph.nodes.append(try node(proto, name: name))
        }

        for info in cMessages(g.output, g.n_output) {
            let name = cString(info.pointee.name)
            guard !name.isEmpty else {
                throw .missingField(path: path, field: "ValueInfoProto.name", context: "graph output")
            }
            let id = value(name)
            annotate(id, with: info)
            graph.outputs.append(id)
        }
        for info in cMessages(g.value_info, g.n_value_info) {
            if let id = ids[cString(info.pointee.name)] { annotate(id, with: info) }
        }
        return graph
    }

    /// Builds a graph attribute. Names it reads without defining are values of the enclosing
    /// graphs: they become its last inputs, in order of first use (see ``GraphIR/Subgraph``).
    private func subgraph(_ proto: UnsafePointer<Onnx__GraphProto>) throws(ImportError) -> Subgraph {
        var builder = GraphBuilder(path: path, decoder: decoder, mapped: [:])
        var graph = try builder.build(proto, opsetImports: self.graph.opsetImports)
        var defined = Set(graph.inputs).union(graph.initializers.keys)
        for node in graph.nodes { defined.formUnion(node.outputs) }
        var referenced = Set(graph.outputs)
        for node in graph.nodes { referenced.formUnion(node.inputs.compactMap { $0 }) }
        let captured = referenced.subtracting(defined).sorted()
        graph.inputs += captured
        return Subgraph(graph: graph, captured: captured.count)
    }

    private mutating func node(_ proto: UnsafeMutablePointer<Onnx__NodeProto>, name: String)
        throws(ImportError) -> Node
    {
        let n = proto.pointee
        let opType = cString(n.op_type)
        guard !opType.isEmpty else {
            throw .missingField(path: path, field: "NodeProto.op_type", context: "node '\(name)'")
        }
        let domain = cString(n.domain)
        let inputs: [ValueID?] = cStrings(n.input, n.n_input).map { $0.isEmpty ? nil : value($0) }
        // An omitted optional output ("") still holds its position; it gets a value of its own
        // that no name can reach.
        let outputs: [ValueID] = cStrings(n.output, n.n_output).map {
            $0.isEmpty ? graph.addValue(ValueInfo(name: "")) : value($0)
        }
        var metadata: [String: String] = [:]
        for (key, value) in cEntries(n.metadata_props, n.n_metadata_props) { metadata[key] = value }
        var attributes: [String: Attribute] = [:]
        for attribute in cMessages(n.attribute, n.n_attribute) {
            let attributeName = cString(attribute.pointee.name)
            guard !attributeName.isEmpty else {
                throw .missingField(
                    path: path, field: "AttributeProto.name", context: "node '\(name)' (\(opType))")
            }
            guard attributes[attributeName] == nil else {
                throw .invalidAttribute(
                    path: path, node: name, attribute: attributeName, reason: "appears twice")
            }
            attributes[attributeName] = try self.attribute(
                attribute, name: attributeName, node: name, opType: opType)
        }
        // The outer values a subgraph reads become extra inputs of its node (attributes in name
        // order), so the plan orders and keeps them like any other input.
        var allInputs = inputs
        for key in attributes.keys.sorted() {
            guard case .graph(let sub) = attributes[key] else { continue }
            for captured in sub.graph.inputs.suffix(sub.captured) { allInputs.append(value(sub.graph[captured].name)) }
        }
        return Node(
            name: name, opType: opType, domain: domain == "ai.onnx" ? "" : domain, inputs: allInputs,
            outputs: outputs,
            attributes: attributes, metadata: metadata,
            scope: NodeNaming.scope(name: name, metadata: metadata))
    }

    private func attribute(
        _ proto: UnsafeMutablePointer<Onnx__AttributeProto>, name: String, node: String, opType: String
    ) throws(ImportError) -> Attribute {
        let a = proto.pointee
        func fail(_ reason: String) -> ImportError {
            .invalidAttribute(path: path, node: node, attribute: name, reason: reason)
        }
        let what = "node '\(node)' (\(opType)), attribute '\(name)'"
        var type = a.has_type != 0 ? Int(a.type.rawValue) : 0
        if type == 0 {
            // Files from before IR version 3 have no `type`: infer it from the field that is set.
            let set: [(isSet: Bool, type: Int)] = [
                (a.has_f != 0, 1), (a.has_i != 0, 2), (a.has_s != 0, 3), (a.t != nil, 4), (a.g != nil, 5),
                (a.n_floats > 0, 6), (a.n_ints > 0, 7), (a.n_strings > 0, 8), (a.n_tensors > 0, 9),
                (a.n_graphs > 0, 10), (a.sparse_tensor != nil, 11), (a.n_sparse_tensors > 0, 12),
                (a.tp != nil, 13), (a.n_type_protos > 0, 14),
            ]
            type = set.first { $0.isSet }?.type ?? 0
            guard type != 0 else { throw fail("has neither a type nor a value") }
        }
        switch type {
        case 1: return .float(a.f)
        case 2: return .int(Int(a.i))
        case 3: return .string(cBytesString(a.s))
        case 4:
            guard let t = a.t else { throw fail("type TENSOR but no tensor") }
            return .tensor(try decoder.decode(t, what: what))
        case 6: return .floats(Array(cScalars(a.floats, a.n_floats)))
        case 7: return .ints(cScalars(a.ints, a.n_ints).map { Int($0) })
        case 8: return .strings(cScalars(a.strings, a.n_strings).map { cBytesString($0) })
        case 9:
            var tensors: [Tensor] = []
            for (k, t) in cMessages(a.tensors, a.n_tensors).enumerated() {
                tensors.append(try decoder.decode(t, what: "\(what), tensor #\(k)"))
            }
            return .tensors(tensors)
        case 5:
            guard let g = a.g else { throw fail("type GRAPH but no graph") }
            return .graph(try subgraph(g))
        case 10: return .unsupported("GRAPHS")
        case 11: return .unsupported("SPARSE_TENSOR")
        case 12: return .unsupported("SPARSE_TENSORS")
        case 13: return .unsupported("TYPE_PROTO")
        case 14: return .unsupported("TYPE_PROTOS")
        default: throw fail("unknown attribute type \(type)")
        }
    }

    /// Copies dtype and shape from a `ValueInfoProto` when it declares a tensor type.
    private mutating func annotate(_ id: ValueID, with info: UnsafeMutablePointer<Onnx__ValueInfoProto>) {
        guard let type = info.pointee.type, type.pointee.value_case.rawValue == 1,
            let tensorType = type.pointee.tensor_type
        else { return }
        if tensorType.pointee.has_elem_type != 0, let dtype = DType(rawValue: tensorType.pointee.elem_type) {
            graph[id].dtype = dtype
        }
        guard let shape = tensorType.pointee.shape else { return }
        graph[id].shape = cMessages(shape.pointee.dim, shape.pointee.n_dim).map { dim -> Dim in
            switch dim.pointee.value_case.rawValue {
            case 1:
                return dim.pointee.dim_value >= 0 ? .known(Int(dim.pointee.dim_value)) : .unknown
            case 2:
                let param = cString(dim.pointee.dim_param)
                return param.isEmpty ? .unknown : .symbolic(param)
            default:
                return .unknown
            }
        }
    }
}
