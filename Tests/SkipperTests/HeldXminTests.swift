import Foundation
@testable import SkipperRuntime
@testable import SkipperStore
import TestSupport
import Testing

/// A transaction left open somewhere (a forgotten BEGIN in psql) holds back what VACUUM may
/// remove, so every execution claimed since it began leaves a row version in the claim index.
/// The claim resumes where the previous one ended, so it does not step over them; the check
/// that reads from the ranges' starts (claim_resume_points) does, and is the one that pays, with
/// queue depth, which steps over them once per range.
///
/// In the end-to-end suite: the open transaction holds back the whole database's horizon, and
/// the serialized suite keeps the drills that measure time from running beside it.
extension EndToEnd {
    @Suite("held xmin")
    struct HeldXminTests {
        /// Index entries of the claim index a statement read: the difference it made to the
        /// backend's not yet reported statistics, read in the same transaction before and after.
        func claimIndexEntriesRead<T>(on connection: StoreConnection, _ body: (StoreConnection) async throws -> T) async throws -> (T, Int) {
            try await connection.withTransaction { connection in
                func entries() async throws -> Int {
                    try await connection.query(
                        "SELECT pg_stat_get_xact_tuples_returned('executions_claim_probe_idx'::regclass) AS entries"
                    )[0].decode("entries", as: Int.self)
                }
                let before = try await entries()
                let result = try await body(connection)
                return (result, try await entries() - before)
            }
        }

        @Test func claimsDoNotSlowDownWhileALongTransactionHoldsBackVacuum() async throws {
            let schema = try await TestSchema.create(prefix: "xmin")
            let holder = try await schema.connect()
            try await holder.execute("BEGIN; SELECT txid_current();")
            let connection = try await schema.store()
            let points = ClaimResumePoints()
            let waves = 10, perWave = 10_000, batch = 100
            var firstClaimReads: [Int] = []
            for wave in 0..<waves {
                try await connection.execute(
                    "INSERT INTO executions (queue, job_type) SELECT 'xmin', 'noop' FROM generate_series(1, \(perWave))")
                // Past the commit margin, so the claims' points are the rows they took.
                try await Task.sleep(for: .milliseconds(1100))
                var drained = 0
                while true {
                    let (claimed, read) = try await claimIndexEntriesRead(on: connection) { connection in
                        try await ExecutionStore.claim(
                            on: connection, queues: ["xmin"], priorities: Priority.allCases, jobTypes: ["noop"], limit: batch,
                            workerID: "worker-xmin", after: points.forNextClaim().points, keepCommitMargin: true)
                    }
                    if drained == 0 { firstClaimReads.append(read) }
                    points.advance(claimed.resumePoints)
                    if claimed.executions.isEmpty { break }
                    drained += claimed.executions.count
                    _ = try await ExecutionStore.write(claimed.executions.map {
                        ExecutionStore.Outcome(executionID: $0.executionID, attempt: $0.attempt, workerID: $0.workerID, outcome: .succeeded(result: nil))
                    }, on: connection)
                }
                #expect(drained == perWave, "wave \(wave)")
            }
            // The held transaction did keep every claimed version: read from the start, the
            // check steps over all of them.
            let (_, checkRead) = try await claimIndexEntriesRead(on: connection) { connection in
                try await ExecutionStore.claimResumePoints(
                    on: connection, queues: ["xmin"], priorities: Priority.allCases, jobTypes: ["noop"])
            }
            // Queue depth steps over them once per range too (not once per count it makes), and
            // still counts what waits behind them.
            try await connection.execute("""
                INSERT INTO executions (queue, job_type) SELECT 'xmin', t FROM generate_series(1, 50), unnest(ARRAY['noop', 'mail']) t
                """)
            let (depth, depthRead) = try await claimIndexEntriesRead(on: connection) { connection in
                try await QueueDepth.read(on: connection)
            }
            // The scheduler's watch of delayed executions: once it knows the ranges, it reads
            // only the gaps between them and the run_at window since its last pass.
            let (known, walkRead) = try await claimIndexEntriesRead(on: connection) { connection in
                try await ScheduleStore.queuedRanges(known: nil, on: connection)
            }
            let (_, gapsRead) = try await claimIndexEntriesRead(on: connection) { connection in
                try await ScheduleStore.queuedRanges(known: known, on: connection)
            }
            let (_, dueRead) = try await claimIndexEntriesRead(on: connection) { connection in
                // Its window starts at its last pass: here, a moment ago (nothing came due since).
                try await ScheduleStore.announceDue(since: Date().addingTimeInterval(-0.05), ranges: known, on: connection)
            }
            try await holder.execute("ROLLBACK")
            await holder.close()
            print("held xmin: the scheduler's range walk read \(walkRead) entries, its gap walk \(gapsRead), its due probe \(dueRead)")
            #expect(Set(known) == Set([ClaimProbe(queue: "xmin", priority: .normal, jobType: "mail"), ClaimProbe(queue: "xmin", priority: .normal, jobType: "noop")]))
            #expect(walkRead >= (waves - 1) * perWave, "\(walkRead)")
            #expect(gapsRead <= 10 && dueRead <= 2 * 100 + 10, "gap walk \(gapsRead), due probe \(dueRead) (the walk from the start: \(walkRead))")
            print("held xmin: index entries read by each wave's first claim \(firstClaimReads); by the check from the start \(checkRead); by queue depth \(depthRead)")
            let queued = depth.first { $0.queue == "xmin" && $0.status == .queued }
            #expect(queued?.executions == 100 && queued?.ready == 100 && queued?.estimated == false, "\(depth)")
            #expect(depthRead <= checkRead + 2 * 100 + 10, "queue depth read \(depthRead) claim-index entries, the check \(checkRead)")
            #expect(checkRead >= (waves - 1) * perWave, "the open transaction did not keep the claimed versions: \(checkRead)")
            #expect(firstClaimReads.count == waves)
            #expect(firstClaimReads.last! <= 2 * firstClaimReads.first!, "\(firstClaimReads)")
        }
    }
}
