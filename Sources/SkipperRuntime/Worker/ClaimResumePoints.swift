import SkipperStore
import Synchronization

/// Where this runner's next claim resumes in each (queue, priority, job type) range it reads.
///
/// A claim left to read each range from its start would step over every execution claimed
/// since the oldest open transaction began (their old row versions stay in the claim index
/// until VACUUM may remove them), so each claim resumes after the last execution the previous
/// one took (kept the commit margin behind the claim's clock by the SQL). Executions that appear
/// behind a point anyway — an enqueue that committed late, a claim given back, a run_at given in
/// the past — are found by ``ResumePointCheck`` every POLL_INTERVAL, which sets every point
/// again from the ranges' starts, and at once after stranded claims were given back.
final class ClaimResumePoints: Sendable {
    private let points = Mutex<[ClaimProbe: ResumePoint]>([:])

    /// The points to pass to the next claim.
    var current: [ClaimProbe: ResumePoint] { points.withLock { $0 } }

    /// After a claim: its probes resume after what it took.
    func advance(_ claimed: [ClaimProbe: ResumePoint]) {
        points.withLock { $0.merge(claimed) { _, new in new } }
    }

    /// After a check from the ranges' starts: every point as it found it.
    func replace(with checked: [ClaimProbe: ResumePoint]) {
        points.withLock { $0 = checked }
    }

    /// Executions went back behind the points (stranded claims given back): read from the starts.
    func forgetAll() {
        points.withLock { $0.removeAll() }
    }
}
