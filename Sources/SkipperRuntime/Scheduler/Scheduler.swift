import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import SkipperStore

/// The scheduler: every SCHEDULER_INTERVAL (or at the soonest slot or delayed execution, when
/// that comes first), one pass over the `schedules` table that fires each due schedule's slots,
/// then a wake-up for runners of delayed executions that came due
/// (``wakeRunnersForDueExecutions(on:)``). Any number run at once (built into runners, or
/// scheduler-only ones) with no leader: a pass locks the rows it fires (`FOR UPDATE SKIP LOCKED`), each slot's
/// execution is keyed `schedule:<name>:<slot>`, and the row's next slot moves on in the same
/// transaction, so a slot makes one execution however many schedulers race for it and whichever
/// of them dies mid-pass.
public final class Scheduler: Service, Sendable {
    /// How often it looks, and what counts as on time.
    public let interval: Duration
    private let connector: any StoreConnector
    private let logger: Logger
    private let lastPass = Mutex<ContinuousClock.Instant?>(nil)
    /// Schedules whose cron or zone it could not read, so that the problem is logged once.
    private let reported = Mutex<Set<String>>([])
    private let dueWatch = Mutex(DueWatch())

    /// What the wake-up for delayed executions remembers between passes.
    private struct DueWatch {
        /// The database's now at the last wake-up, less a second for executions that commit late.
        var since: Date?
        /// The ranges with queued executions, as last read (kept once seen: a range that emptied
        /// costs two short probes a pass).
        var ranges: [ClaimProbe] = []
        var knownRanges = false
        var readRangesAt = ContinuousClock.now
    }

    /// Schedules taken per transaction (a pass takes more in further transactions).
    static let batch = 100
    /// How soon a scheduler looks again at a slot that is due but taken by another (ms).
    static let retakeDelayMS: Int64 = 50
    /// A schedule with a problem is looked at again after this long.
    static let problemRetry: TimeInterval = 60

    public init(interval: Duration, connector: any StoreConnector, logger: Logger) {
        self.interval = interval
        self.connector = connector
        self.logger = logger
    }

    /// Seconds since the last pass ended, nil before the first (scheduler-only /health).
    public var lastPassAge: Double? {
        lastPass.withLock { $0 }.map { (ContinuousClock.now - $0).seconds }
    }

    /// The slot of `catch_up: none` may be this late and still fire.
    var onTime: Duration { max(interval * 3, .seconds(10)) }

    public func run() async throws {
        logger.info("scheduler starting", metadata: [LogKey.status: "\(LogStatus.starting)", "scheduler_interval_ms": "\(interval.milliseconds)"])
        let connection = ManagedConnection(connector: connector, role: "scheduler", logger: logger)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var wait = interval
            do throws(StoreError) {
                let db = try await connection.get()
                // A pass (a transaction) only when a slot is due or a schedule has none yet.
                var soonest = try await ScheduleStore.secondsToSoonestSlot(on: db)
                if let seconds = soonest, seconds <= 0 {
                    try await pass(on: db)
                    soonest = try await ScheduleStore.secondsToSoonestSlot(on: db)
                }
                // Wake for the soonest slot when it comes before the next interval, so slots fire
                // on time. One still due is being fired by another scheduler (its row is locked):
                // look again shortly rather than spin.
                if let seconds = soonest {
                    wait = min(wait, .milliseconds(max(Self.retakeDelayMS, Int64(seconds * 1000) + 2)))
                }
                if let seconds = try await wakeRunnersForDueExecutions(on: db) {
                    wait = min(wait, .milliseconds(max(2, Int64(seconds * 1000) + 2)))
                }
                connection.succeeded()
                lastPass.withLock { $0 = .now }
            } catch {
                await connection.failed(error, cap: max(interval, .seconds(10)))
                continue
            }
            guard await pauseBetweenRounds(wait) else { break }
        }
        await connection.close()
    }

    /// One pass: fires every due schedule, a batch per transaction; returns the executions fired.
    @discardableResult
    public func pass(on db: StoreConnection) async throws(StoreError) -> Int {
        var fired = 0
        while true {
            let (count, taken) = try await firingBatch(on: db)
            fired += count
            if taken < Self.batch { return fired }
        }
    }

    /// Announces, in every range with queued executions, the delayed or backed-off executions that
    /// came due since the last call, so that idle runners start them now rather than at their next
    /// poll; returns in how many seconds the next one comes due.
    @discardableResult
    public func wakeRunnersForDueExecutions(on db: StoreConnection) async throws(StoreError) -> Double? {
        var watch = dueWatch.withLock { $0 }
        if ContinuousClock.now >= watch.readRangesAt {
            let started = ContinuousClock.now
            // The first read walks every range; later ones only the gaps between the known ones.
            watch.ranges = try await ScheduleStore.queuedRanges(known: watch.knownRanges ? watch.ranges : nil, on: db)
            watch.knownRanges = true
            // Every pass, or less often while the read is slow (a long transaction keeps what
            // it steps over at each range's start): at most 1% of the time.
            watch.readRangesAt = .now + nextRoundAfter(interval: interval, lastRoundTook: .now - started)
        }
        var next: Double?
        if !watch.ranges.isEmpty {
            let result = try await ScheduleStore.announceDue(since: watch.since, ranges: watch.ranges, on: db)
            watch.since = result.now.addingTimeInterval(-1)
            next = result.nextDueInSeconds
        }
        let saved = watch
        dueWatch.withLock { $0 = saved }
        return next
    }

    private struct Fired {
        var name: String
        var slot: Date
        var executionID: Int64
        var lagSeconds: Double
    }

    private func firingBatch(on db: StoreConnection) async throws(StoreError) -> (fired: Int, taken: Int) {
        let result: (fired: [Fired], taken: Int)
        do {
            result = try await db.withTransaction { db in
                let (now, due) = try await ScheduleStore.takeDue(limit: Self.batch, on: db)
                var fired: [Fired] = []
                for schedule in due {
                    fired += try await fire(schedule, now: now, on: db)
                }
                return (fired, due.count)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(kind: .failed, operation: "scheduler pass", message: "\(error)")
        }
        for event in result.fired {
            Counter(label: MetricName.schedulesFired, dimensions: [("schedule", event.name)]).increment()
            Gauge(label: MetricName.scheduleLag, dimensions: [("schedule", event.name)]).record(event.lagSeconds)
            logger.info("schedule fired", metadata: [
                LogKey.status: "\(LogStatus.scheduleFired)", "schedule": "\(event.name)", "slot": "\(CronSchedule.slotName(event.slot))",
                LogKey.executionID: "\(event.executionID)", "lag_ms": "\(Int(event.lagSeconds * 1000))",
            ])
        }
        return (result.fired.count, result.taken)
    }

    /// Plans and fires one locked schedule; a cron or zone it cannot read is recorded as the
    /// schedule's problem (looked at again a minute later) instead of failing the pass.
    private func fire(_ schedule: DueSchedule, now: Date, on db: StoreConnection) async throws(StoreError) -> [Fired] {
        let cron: CronSchedule
        do {
            guard let zone = TimeZone(identifier: schedule.timeZone) else {
                throw CronError(expression: schedule.cron, reason: "unknown time zone \(schedule.timeZone)")
            }
            cron = try CronSchedule(schedule.cron, timeZone: zone)
        } catch {
            if reported.withLock({ $0.insert(schedule.name).inserted }) {
                logger.error("schedule cannot fire", metadata: [
                    LogKey.status: "\(LogStatus.scheduleProblem)", "schedule": "\(schedule.name)", LogKey.error: "\(error)",
                ])
            }
            try await ScheduleStore.fire(
                schedule.name, slots: [], next: now.addingTimeInterval(Self.problemRetry), problem: "\(error)", on: db)
            return []
        }
        _ = reported.withLock { $0.remove(schedule.name) }
        let plan = SlotPlan(cron: cron, catchUp: schedule.catchUp, nextSlot: schedule.nextSlot, now: now, onTime: onTime)
        if let dropped = plan.dropped {
            logger.warning("missed slots not fired", metadata: [
                LogKey.status: "\(LogStatus.scheduleSlotsDropped)", "schedule": "\(schedule.name)", "catch_up": "\(schedule.catchUp.rawValue)",
                "dropped": "\(dropped.count)", "first": "\(CronSchedule.slotName(dropped.first))", "last": "\(CronSchedule.slotName(dropped.last))",
            ])
        }
        let executionIDs = try await ScheduleStore.fire(schedule.name, slots: plan.slots, next: plan.next, problem: nil, on: db) ?? []
        return zip(plan.slots, executionIDs).map { slot, id in
            Fired(name: schedule.name, slot: slot, executionID: id, lagSeconds: now.timeIntervalSince(slot))
        }
    }
}
