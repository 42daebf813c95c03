import Dispatch

/// Splitting a loop over the threads the matrix products use (``threads``), for kernels whose
/// work is large enough to pay for waking a second thread (tens of microseconds).
extension Kernels {
    /// Runs `body` over consecutive parts of `0..<count`, in parallel when there are at least two
    /// parts of `minimumPart` items; parts are as equal as possible and cover the range once.
    /// `body` must only write where its part owns the output.
    static func parallelParts(_ count: Int, minimumPart: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(threads, count / Swift.max(1, minimumPart))
        guard parts > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                shared.value(count * part / parts..<count * (part + 1) / parts)
            }
        }
    }
}

/// A closure handed to the parallel loop's threads: each part writes a disjoint range.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
