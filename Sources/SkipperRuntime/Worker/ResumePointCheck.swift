import Logging
import SkipperStore

/// Every POLL_INTERVAL, on a connection of its own, reads where each of the runner's claim
/// probes may resume from its range's start (`claim_resume_points`) and sets
/// ``ClaimResumePoints`` to it: an execution that appeared behind a point waits at most that
/// long. With a long transaction open somewhere this read steps over every execution claimed
/// since it began, which is why it runs beside the claim loop and not in it.
struct ResumePointCheck: Sendable {
    let connector: any StoreConnector
    let configuration: WorkerConfiguration
    let jobTypes: [String]
    let resumePoints: ClaimResumePoints
    let logger: Logger

    func run() async {
        let connection = ManagedConnection(connector: connector, role: "resume-points", logger: logger)
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollInterval)
            if Task.isCancelled { break }
            resumePoints.checkBegins()
            do throws(StoreError) {
                let db = try await connection.get()
                let points = try await ExecutionStore.claimResumePoints(
                    on: db, queues: configuration.queues, priorities: configuration.priorities, jobTypes: jobTypes)
                connection.succeeded()
                resumePoints.checkFound(points)
            } catch {
                resumePoints.checkFailed()
                await connection.failed(error, cap: configuration.pollInterval)
            }
        }
        await connection.close()
    }
}
