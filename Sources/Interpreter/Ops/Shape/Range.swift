import GraphIR
import TensorCore

/// Range: `start, start + delta, …` up to but excluding `limit`.
///
/// https://onnx.ai/onnx/operators/onnx__Range.html
///
/// `start`, `limit`, `delta`: scalars of one numeric dtype → 1-D of that dtype with
/// max(ceil((limit - start) / delta), 0) elements. Integers are computed exactly in `Int`,
/// floats as `start + i · delta` in double precision, then rounded once to the dtype.
struct Range: Operator {
    init(_ context: OpContext) {}

    func callAsFunction(_ inputs: [Tensor?]) throws -> [Tensor] {
        let start = try inputs.required(0)
        let limit = try inputs.required(1)
        let delta = try inputs.required(2)
        let dtype = start.dtype
        guard limit.dtype == dtype, delta.dtype == dtype, dtype != .bool, dtype != .string else {
            throw OpError(
                "start, limit and delta must share one numeric dtype, got \(start.dtype), \(limit.dtype), \(delta.dtype)"
            )
        }
        for (name, t) in [("start", start), ("limit", limit), ("delta", delta)] where t.count != 1 {
            throw OpError("\(name) must be a scalar, got shape \(t.shape)")
        }
        if dtype.isInteger {
            let (s, l, d) = (try start.intValues()[0], try limit.intValues()[0], try delta.intValues()[0])
            let count = try Self.count(start: s, limit: l, delta: d)
            let limitBytes = ShapeSupport.maxOutputBytes / dtype.byteSize
            guard count <= limitBytes else {
                throw OpError("Range(\(s), \(l), \(d)) has \(count) elements, too many")
            }
            return [try ShapeSupport.tensor((0..<count).map { s + $0 * d }, dtype: dtype, shape: [count])]
        }
        let (s, l, d) = (
            try start.doubleValues()[0], try limit.doubleValues()[0], try delta.doubleValues()[0]
        )
        guard d != 0 else { throw OpError("delta must not be 0") }
        let exact = ((l - s) / d).rounded(.up)
        guard exact.isFinite || exact.isNaN else {
            throw OpError("Range(\(s), \(l), \(d)) has no finite length")
        }
        let limitCount = Double(ShapeSupport.maxOutputBytes / dtype.byteSize)
        guard exact.isNaN || exact <= limitCount else {
            throw OpError("Range(\(s), \(l), \(d)) has \(exact) elements, too many")
        }
        let count = exact.isNaN || exact < 0 ? 0 : Int(exact)
        return [try ShapeSupport.tensor((0..<count).map { s + Double($0) * d }, dtype: dtype, shape: [count])]
    }

    /// max(ceil((limit - start) / delta), 0), without overflow.
    static func count(start: Int, limit: Int, delta: Int) throws(OpError) -> Int {
        guard delta != 0 else { throw OpError("delta must not be 0") }
        let (span, overflow) = limit.subtractingReportingOverflow(start)
        guard !overflow else { throw OpError("Range(\(start), \(limit), \(delta)) overflows") }
        if span == 0 || (span > 0) != (delta > 0) { return 0 }
        // Same signs here: round the quotient away from zero.
        let magnitude = span.magnitude
        let step = delta.magnitude
        return Int((magnitude - 1) / step + 1)
    }
}
