import SkipperStore
import Synchronization

/// Where this runner's next claim resumes in each (queue, priority, job type) range it reads.
///
/// A claim left to read each range from its start would step over every execution claimed
/// since the oldest open transaction began (their old row versions stay in the claim index
/// until VACUUM may remove them), so each claim resumes after the last execution the previous
/// one took. Executions that appear behind a point anyway — an enqueue whose transaction
/// committed after a claim took later ones, a claim given back — are announced when they commit
/// (`announce_ready`): the listener lowers the point to just before them (``lower(_:to:)``),
/// applied at the start of the next claim, so a claim in flight cannot overwrite it. A runner
/// that is not listening keeps its points `claim_commit_margin()` behind the claim's clock
/// instead. Whatever is left (a run_at given in the past, an announcement missed) is found by
/// ``ResumePointCheck`` every POLL_INTERVAL, which sets every point again from the ranges' starts.
final class ClaimResumePoints: Sendable {
    private struct State {
        var points: [ClaimProbe: ResumePoint] = [:]
        /// Lowerings not yet applied: the next claim applies them.
        var lowerings: [(ClaimProbe, ResumePoint)] = []
        /// Lowerings since the running check began: applied again after its result replaces the points.
        var sinceCheckBegan: [(ClaimProbe, ResumePoint)]?
        var listening = false
    }

    private let state = Mutex(State())

    /// What the next claim passes: the points, with every lowering so far applied, and whether
    /// they must keep the commit margin (the runner is not hearing announcements).
    func forNextClaim() -> (points: [ClaimProbe: ResumePoint], keepCommitMargin: Bool) {
        state.withLock { state in
            for (probe, point) in state.lowerings {
                if let current = state.points[probe], point < current { state.points[probe] = point }
            }
            state.lowerings.removeAll()
            return (state.points, !state.listening)
        }
    }

    /// After a claim: its probes resume after what it took.
    func advance(_ claimed: [ClaimProbe: ResumePoint]) {
        state.withLock { $0.points.merge(claimed) { _, new in new } }
    }

    /// An execution was announced: the probe's next claim reads from `point` on.
    func lower(_ probe: ClaimProbe, to point: ResumePoint) {
        state.withLock { state in
            state.lowerings.append((probe, point))
            state.sinceCheckBegan?.append((probe, point))
        }
    }

    /// Whether announcements reach this runner (its listener is listening).
    func setListening(_ listening: Bool) {
        state.withLock { $0.listening = listening }
    }

    /// A check from the ranges' starts begins; what is announced meanwhile outlives its result.
    func checkBegins() {
        state.withLock { $0.sinceCheckBegan = [] }
    }

    /// The check's result: every point as it found it, lowered again by what was announced
    /// while it ran (its snapshot may predate them).
    func checkFound(_ checked: [ClaimProbe: ResumePoint]) {
        state.withLock { state in
            state.points = checked
            state.lowerings.append(contentsOf: state.sinceCheckBegan ?? [])
            state.sinceCheckBegan = nil
        }
    }

    /// The check failed: nothing changes.
    func checkFailed() {
        state.withLock { $0.sinceCheckBegan = nil }
    }

    /// Executions went back behind the points (stranded claims given back): read from the starts.
    func forgetAll() {
        state.withLock { $0.points.removeAll() }
    }
}
