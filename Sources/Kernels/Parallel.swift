#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splitting a loop over helper threads, for kernels whose work is large enough to pay for
/// waking one (softmax, layer norm and fused elementwise chains of a transformer's activations).
extension Kernels {
    /// Runs `body` over consecutive parts of `0..<count`, in parallel when there are at least two
    /// parts of `minimumPart` items; parts are as equal as possible and cover the range once.
    /// `body` must only write where its part owns the output. While another caller's loop runs,
    /// this one runs on the calling thread alone.
    ///
    /// Up to four parts per thread, taken in turn by whichever thread is free: a thread that
    /// wakes late (the machine is busy) takes fewer instead of making the caller wait.
    ///
    /// Helpers (up to ``threads`` − 1) only run on cores OpenBLAS's threads leave free: after a
    /// matrix product those threads spin for a while, and a helper sharing their core gained
    /// nothing (GPT-2 small at sequence 128, 2 threads on 2 cores: the fused GELUs took 11.8 ms
    /// with a helper, 11.2 ms without; 6.8 ms with one when OpenBLAS's threads slept at once).
    static func parallelParts(_ count: Int, minimumPart: Int, _ body: (Range<Int>) -> Void) {
        let helpers = helpersOverride ?? Swift.min(threads - 1, onlineCores - threads)
        let parts = helpers > 0 ? Swift.min(4 * (helpers + 1), count / Swift.max(1, minimumPart)) : 1
        guard parts > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let ran = WorkerPool.shared.run(parts: parts, helpers: helpers) { part in
                body(count * part / parts..<count * (part + 1) / parts)
            }
            if !ran { body(0..<count) }
        }
    }
}

extension Kernels {
    /// Cores online when the process started.
    static let onlineCores = Swift.max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Tests set this to run the threaded path on any machine (whatever the cores).
    nonisolated(unsafe) static var helpersOverride: Int?
}

/// Threads kept for ``Kernels/parallelParts(_:minimumPart:_:)``: started on first use and
/// parked on a condition variable between loops. (libdispatch's `concurrentPerform` was measured
/// slower than one thread on 1 ms loops here: its workers take too long to wake.)
private final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Held by the caller whose loop is running; others run theirs alone.
    private let submission = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    // Guarded by `lock`.
    private var job: ((Int) -> Void)?
    private var parts = 0
    private var nextPart = 0
    private var unfinished = 0
    private var generation = 0
    private var workers = 0
    /// Workers with a smaller index take part in the current loop (the thread count may have
    /// been lowered since more were started).
    private var helpers = 0

    private init() {
        pthread_mutex_init(lock, nil)
        pthread_mutex_init(submission, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
    }

    /// Calls `job` once for each part in 0..<parts, on this thread and up to `helpers` of the
    /// pool's; returns false (calling nothing) when another loop is running or no worker thread
    /// can be started.
    func run(parts: Int, helpers: Int, _ job: @escaping (Int) -> Void) -> Bool {
        guard pthread_mutex_trylock(submission) == 0 else { return false }
        defer { pthread_mutex_unlock(submission) }
        pthread_mutex_lock(lock)
        while workers < helpers {
            guard startWorker() else { break }
            workers += 1
        }
        guard workers > 0 else {
            pthread_mutex_unlock(lock)
            return false
        }
        self.job = job
        self.helpers = helpers
        self.parts = parts
        nextPart = 0
        unfinished = parts
        generation &+= 1
        pthread_cond_broadcast(wake)
        work()
        while unfinished > 0 { pthread_cond_wait(done, lock) }
        self.job = nil
        pthread_mutex_unlock(lock)
        return true
    }

    /// Takes parts until none is left; called and returns with `lock` held.
    private func work() {
        while nextPart < parts, let job {
            let part = nextPart
            nextPart += 1
            pthread_mutex_unlock(lock)
            job(part)
            pthread_mutex_lock(lock)
            unfinished -= 1
            if unfinished == 0 { pthread_cond_signal(done) }
        }
    }

    private func workerLoop(_ index: Int) {
        pthread_mutex_lock(lock)
        var seen = generation
        while true {
            while generation == seen { pthread_cond_wait(wake, lock) }
            seen = generation
            if index < helpers { work() }
        }
    }

    /// Starts worker number `workers` (called with `lock` held).
    private func startWorker() -> Bool {
        final class Start {
            let pool: WorkerPool
            let index: Int
            init(_ pool: WorkerPool, _ index: Int) { (self.pool, self.index) = (pool, index) }
        }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Start(self, workers)).toOpaque()
        let started = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let start = Unmanaged<Start>.fromOpaque(context).takeRetainedValue()
            start.pool.workerLoop(start.index)
            return nil
        }, context) == 0
        guard started else {
            Unmanaged<Start>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}
