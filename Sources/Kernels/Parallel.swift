import COpenBLAS
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splitting loops over the threads. Kernels own the parallelism: OpenBLAS runs single-threaded
/// on whichever thread calls it, and large matrix products are split here (GEMM.swift). So
/// every kernel of a forward (products, softmax, layer norm, fused chains) shares one set of
/// threads, and no thread spins idle while another kernel could use its core.
extension Kernels {
    /// Runs `body` over consecutive parts of `0..<count`, in parallel when there are at least two
    /// parts of `minimumPart` items; parts are as equal as possible and cover the range once.
    /// `body` must only write where its part owns the output. While another loop runs (a nested
    /// one, or another caller's), this one runs on the calling thread alone.
    ///
    /// Up to four parts per thread, taken in turn by whichever thread is free: a thread that
    /// wakes late (the machine is busy) takes fewer instead of making the caller wait.
    public static func parallelParts(_ count: Int, minimumPart: Int, _ body: (Range<Int>) -> Void) {
        let helpers = self.helpers
        let parts = helpers > 0 ? Swift.min(4 * (helpers + 1), count / Swift.max(1, minimumPart)) : 1
        runParts(count, parts: parts, helpers: helpers, body)
    }

    /// Runs `body` over exactly `parts` consecutive parts of `0..<count` (fewer when `count` is
    /// smaller), in parallel when there is a helper and no other loop is running.
    static func runParts(_ count: Int, parts: Int, helpers: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(parts, count)
        guard parts > 1, helpers > 0 else {
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

    /// Helper threads a loop may use besides the caller's: ``threads`` − 1, at most one per
    /// other core.
    static var helpers: Int { helpersOverride ?? Swift.min(threads - 1, onlineCores - 1) }

    /// Sets the number of threads kernels use (process-wide): the caller's and `count` − 1
    /// helpers. OpenBLAS itself stays on one thread.
    public static func setThreads(_ count: Int) {
        _ = blasThreads
        threadCount.store(Swift.max(1, count), ordering: .relaxed)
    }

    /// The number of threads kernels use; until ``setThreads(_:)``, OpenBLAS's own default
    /// (`OPENBLAS_NUM_THREADS`, else the cores).
    public static var threads: Int {
        let count = threadCount.load(ordering: .relaxed)
        return count > 0 ? count : blasThreads
    }

    /// OpenBLAS's thread count when first asked; from then on it runs on one thread, since the
    /// kernels split products themselves (read before any BLAS call, which is also when
    /// ``preferredBLASCore(isAMD:current:userChoice:)`` may change OpenBLAS's kernels).
    static let blasThreads: Int = {
        let current = String(cString: openblas_get_corename())
        let userChoice = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        if let core = preferredBLASCore(isAMD: cpuIsAMD, current: current, userChoice: userChoice) {
            _ = onnxpatch_openblas_use_core(core)
        }
        let count = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return Swift.max(1, count)
    }()

    /// The kernels OpenBLAS should use instead of its own choice `current`, or nil to keep it.
    ///
    /// OpenBLAS 0.3.21 gives AMD Zen 4 its Intel AVX-512 kernels (Cooperlake), whose blocking
    /// suits Intel's cores; Zen 4 executes AVX-512 on 256-bit units. On the development machine
    /// (EPYC Zen 4, 2 cores) its AVX2 kernels (Haswell) ran GPT-2 small's weight products 13%
    /// faster at 32 and 128 rows, so onnxpatch takes them on AMD CPUs given AVX-512 kernels.
    /// A core the user names in `OPENBLAS_CORETYPE` is always kept.
    static func preferredBLASCore(isAMD: Bool, current: String, userChoice: String?) -> String? {
        guard userChoice == nil, isAMD, ["SkylakeX", "Cooperlake", "SapphireRapids"].contains(current) else { return nil }
        return "Haswell"
    }

    /// Whether the CPU is AMD's (its CPUID vendor string).
    static let cpuIsAMD = onnxpatch_cpu_is_amd() != 0

    /// The name of the kernels OpenBLAS runs (`openblas_get_corename`), after onnxpatch's choice.
    public static var blasCore: String {
        _ = blasThreads
        return String(cString: openblas_get_corename())
    }

    /// OpenBLAS's own thread count now.
    static var blasLibraryThreads: Int { Int(openblas_get_num_threads()) }

    /// Set by ``setThreads(_:)``; 0 until then.
    private static let threadCount = Atomic<Int>(0)

    /// Cores online when the process started.
    static let onlineCores = Swift.max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Tests set this to run the threaded path on any machine (whatever the cores).
    nonisolated(unsafe) static var helpersOverride: Int?
}

/// Threads kept for ``Kernels/parallelParts(_:minimumPart:_:)``, started on first use. Between
/// loops a worker spins for ``spinSeconds`` (a forward calls kernels back to back, and waking a
/// parked thread costs tens of microseconds), then parks on a condition variable.
///
/// A loop is published as a ticket: its generation in the high bits, the number of parts not yet
/// taken in the low bits. A thread takes a part by counting down the ticket of the generation it
/// saw, so a late thread can never take a part of a later loop with the earlier loop's body.
private final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()
    static let spinSeconds = 0.005

    private struct Loop {
        var body: (Int) -> Void
    }

    private let ticket = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    /// Workers with a smaller index take part in the current loop (the thread count may have
    /// been lowered since more were started).
    private let helpers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Held by the caller whose loop is running; others run theirs alone.
    private let submitted = Atomic<Bool>(false)
    /// The running loop: written only while no part of a loop is in flight.
    private let loop = UnsafeMutablePointer<Loop?>.allocate(capacity: 1)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var workers = 0  // guarded by `lock`

    private static let partBits = 32
    private static let partMask = (1 << partBits) - 1
    /// Generations wrap before the ticket's sign bit.
    private static let generationMask = (1 << 31) - 1

    private init() {
        loop.initialize(to: nil)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    /// Calls `body` once for each part in 0..<parts, on this thread and up to `helpers` of the
    /// pool's; returns false (calling nothing) when another loop is running or no worker thread
    /// can be started.
    func run(parts: Int, helpers: Int, _ body: @escaping (Int) -> Void) -> Bool {
        precondition(parts > 0 && parts <= Self.partMask, "parallel loop of \(parts) parts")
        guard submitted.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { submitted.store(false, ordering: .releasing) }
        pthread_mutex_lock(lock)
        while workers < helpers, startWorker(workers) { workers += 1 }
        let started = workers
        pthread_mutex_unlock(lock)
        guard started > 0 else { return false }

        loop.pointee = Loop(body: body)
        self.helpers.store(helpers, ordering: .relaxed)
        unfinished.store(parts, ordering: .relaxed)
        let generation = (ticket.load(ordering: .relaxed) >> Self.partBits &+ 1) & Self.generationMask
        ticket.store(generation << Self.partBits | parts, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(lock)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(lock)
        }
        work(generation)
        while unfinished.load(ordering: .acquiring) > 0 { onnxpatch_spin_pause() }
        loop.pointee = nil
        return true
    }

    /// Takes parts of loop `generation` until none is left. The ticket counts the parts left,
    /// so taking one needs nothing but the ticket (the last part is taken first).
    private func work(_ generation: Int) {
        var current = ticket.load(ordering: .acquiring)
        while current >> Self.partBits == generation, current & Self.partMask > 0 {
            let (exchanged, seen) = ticket.compareExchange(
                expected: current, desired: current - 1, ordering: .acquiringAndReleasing)
            guard exchanged else {
                current = seen
                continue
            }
            // Loop `generation` stays in flight, its body in place, until this part is done.
            if let body = loop.pointee?.body { body(current & Self.partMask - 1) }
            unfinished.subtract(1, ordering: .releasing)
            current = ticket.load(ordering: .acquiring)
        }
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            seen = waitForLoop(after: seen)
            if index < helpers.load(ordering: .relaxed) { work(seen) }
        }
    }

    /// Spins, then parks, until a loop later than generation `seen` is published; returns its
    /// generation.
    private func waitForLoop(after seen: Int) -> Int {
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        var spins = 0
        while true {
            let generation = ticket.load(ordering: .acquiring) >> Self.partBits
            if generation != seen { return generation }
            spins += 1
            if spins & 255 != 0 {
                onnxpatch_spin_pause()
                continue
            }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let elapsed = Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) * 1e-9
            guard elapsed > Self.spinSeconds else { continue }
            pthread_mutex_lock(lock)
            sleepers.add(1, ordering: .sequentiallyConsistent)
            while ticket.load(ordering: .sequentiallyConsistent) >> Self.partBits == seen {
                pthread_cond_wait(wake, lock)
            }
            sleepers.subtract(1, ordering: .relaxed)
            pthread_mutex_unlock(lock)
            return ticket.load(ordering: .acquiring) >> Self.partBits
        }
    }

    /// Starts worker number `index` (called with `lock` held).
    private func startWorker(_ index: Int) -> Bool {
        final class Start {
            let pool: WorkerPool
            let index: Int
            init(_ pool: WorkerPool, _ index: Int) { (self.pool, self.index) = (pool, index) }
        }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Start(self, index)).toOpaque()
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
