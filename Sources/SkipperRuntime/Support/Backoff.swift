/// Jittered, bounded exponential backoff: `base · 2^(attempt-1)`, capped, then scaled by a
/// random factor in [0.5, 1.0] so that many clients do not retry in lockstep.
enum Backoff {
    /// The delay before retry number `attempt` (1 = first retry).
    static func delay(attempt: Int, base: Duration, cap: Duration) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = base * (1 << exponent)
        let bounded = min(raw, cap)
        return bounded * Double.random(in: 0.5...1.0)
    }
}
