/// How long a periodic background read waits before its next round: its interval, or longer
/// when the read itself took more than `share` of that, so that it never takes more than
/// `share` of the time of the database backend serving it.
///
/// Reads from the start of the claim index (the claim resume-point check) step over every row
/// version a long transaction keeps from VACUUM; while one is held they grow slower by the
/// minute, and on a small machine their CPU comes out of the claims' share. Their results get
/// staler instead (a check for executions no announcement covered). Queue depth does the same
/// in SQL, once per database (`sampled_queue_depth()`).
func nextRoundAfter(interval: Duration, lastRoundTook took: Duration, share: Double = 0.01) -> Duration {
    max(interval, took * (1 / share))
}
