import Logging
import SkipperStore

/// Every POLL_INTERVAL, on a connection of its own, reads where each of the runner's claim
/// probes may resume from its range's start (`claim_resume_points`) and sets
/// ``ClaimResumePoints`` to it: an execution that appeared behind a point waits at most that
/// long. With a long transaction open somewhere this read steps over every execution claimed
/// since it began, which is why it runs beside the claim loop and not in it, and less often
/// while it is slow (``nextRoundAfter(interval:lastRoundTook:share:)``).
struct ResumePointCheck: Sendable {
    let connector: any StoreConnector
    let configuration: WorkerConfiguration
    let jobTypes: [String]
    let resumePoints: ClaimResumePoints
    let logger: Logger

    func run() async {
        let connection = ManagedConnection(connector: connector, role: "resume-points", logger: logger)
        var wait = configuration.pollInterval
        while !Task.isCancelled {
            try? await Task.sleep(for: wait)
            if Task.isCancelled { break }
            resumePoints.checkBegins()
            do throws(StoreError) {
                let db = try await connection.get()
                let started = ContinuousClock.now
                let points = try await ExecutionStore.claimResumePoints(
                    on: db, queues: configuration.queues, priorities: configuration.priorities, jobTypes: jobTypes)
                connection.succeeded()
                resumePoints.checkFound(points)
                wait = nextRoundAfter(interval: configuration.pollInterval, lastRoundTook: ContinuousClock.now - started)
            } catch {
                resumePoints.checkFailed()
                await connection.failed(error, cap: configuration.pollInterval)
                wait = configuration.pollInterval
            }
        }
        await connection.close()
    }
}
