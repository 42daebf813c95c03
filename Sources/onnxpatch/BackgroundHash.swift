import Foundation
import ONNXPatch

/// A file's SHA-256, computed on a thread of its own from the moment it is created.
///
/// Hashing a model takes about as long as loading and running it (≈1 s for 500 MB), so `run`
/// and `sweep` start it first and wait only where the hash is written. A failed hash (the file
/// cannot be read) is thrown by ``value()``, at that point.
final class BackgroundHash: @unchecked Sendable {
    // `result` is written once, before `done` is signalled, and read only after a wait on it.
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, ONNXPatchError> = .failure(.input("hash not computed"))

    /// Starts hashing `path`.
    ///
    /// - Parameter yielding: Run the hash at the lowest priority (Linux), so that it takes only
    ///   CPU time the process's other threads leave idle. The kernels' threads wait for each
    ///   other at the end of every split loop; one of them preempted by the hash stalls them all
    ///   (measured when OpenBLAS's own threads split the products: a GPT-2 forward 4× slower
    ///   beside a hash of equal priority on 2 cores).
    init(path: String, yielding: Bool = false) {
        Thread.detachNewThread { [self] in
            #if os(Linux)
            // On Linux the nice value is per thread: this lowers the hash thread only.
            if yielding { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }
            #endif
            result = Result { () throws(ONNXPatchError) in try SHA256.hex(ofFile: path) }
            done.signal()
        }
    }

    /// Whether the hash is computed (``value()`` will not wait).
    var isReady: Bool {
        guard done.wait(timeout: .now()) == .success else { return false }
        done.signal()
        return true
    }

    /// Waits for the hash.
    func value() throws -> String {
        done.wait()
        done.signal()
        return try result.get()
    }
}
