import Foundation
import SkipperStore

/// What a scheduler fires for one due schedule, and where the schedule goes next: the pure part
/// of a pass, decided from the schedule's next slot, its catch-up policy and the database's now.
package struct SlotPlan: Sendable, Equatable {
    /// The slots to fire now, oldest first (one execution each).
    package var slots: [Date]
    /// The next slot after now.
    package var next: Date?
    /// Missed slots not fired (all but the newest for `latest`, beyond its limit for `all`, every
    /// late one for `none`).
    package var dropped: Dropped?

    /// How many missed slots were not fired, the oldest and the newest of them.
    package struct Dropped: Sendable, Equatable {
        package var count: Int
        package var first: Date
        package var last: Date
    }

    /// At most this many missed slots fire under `catch_up: all`; the oldest beyond it are dropped.
    package static let catchUpLimit = 100

    /// Plans one schedule at `now`. With no next slot yet (new, changed or resumed) nothing fires
    /// and the next slot is the first after now. Otherwise every slot from the next one to now is
    /// due. Those at most `onTime` late always fire (a scheduler's ordinary delay misses
    /// nothing); of the older, missed ones `latest` fires the newest (when no slot is on time),
    /// `all` every one (the newest ``catchUpLimit`` in all), `none` none.
    package init(cron: CronSchedule, catchUp: CatchUp, nextSlot: Date?, now: Date, onTime: Duration) {
        next = cron.next(after: now)
        dropped = nil
        guard let first = nextSlot, first <= now else {
            slots = []
            if let nextSlot { next = nextSlot }
            return
        }
        // Every due slot, oldest first, keeping the newest 100-200; after a million (an `@every 1s`
        // schedule down for twelve days) the count goes on from a day before now, a lower bound.
        var total = 1, recent = [first], at = first
        while let slot = cron.next(after: at), slot <= now {
            total += 1
            recent.append(slot)
            if recent.count > 2 * Self.catchUpLimit { recent.removeFirst(Self.catchUpLimit) }
            at = slot
            if total == 1_000_000 { at = max(at, now.addingTimeInterval(-86_400)) }
        }
        // Slots at most `onTime` late are not missed: a pass that came a little late (a busy
        // machine) fires each of them. The policy decides about the older ones.
        let onTimeCount = recent.reversed().prefix { now.timeIntervalSince($0) <= onTime.seconds }.count
        let missed = recent.dropLast(onTimeCount)
        let fire: ArraySlice<Date>
        switch catchUp {
        case .latest:
            fire = onTimeCount > 0 ? recent.suffix(onTimeCount) : missed.suffix(1)
        case .all:
            fire = recent.suffix(Self.catchUpLimit)
        case .none:
            fire = recent.suffix(onTimeCount)
        }
        slots = Array(fire)
        let skipped = total - fire.count
        if skipped > 0 { dropped = Dropped(count: skipped, first: first, last: recent[recent.count - fire.count - 1]) }
    }
}
