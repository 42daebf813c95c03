import Glibc

/// Time spent per op type across runs, filled in by `Plan.run(_:profile:)` (for `bench`).
public final class Profile {
    public private(set) var seconds: [String: Double] = [:]
    public private(set) var calls: [String: Int] = [:]

    public init() {}

    func add(_ opType: String, seconds elapsed: Double) {
        seconds[opType, default: 0] += elapsed
        calls[opType, default: 0] += 1
    }

    public var total: Double { seconds.values.reduce(0, +) }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
