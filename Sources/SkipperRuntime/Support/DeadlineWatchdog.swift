import Synchronization

/// Fires actions at deadlines from one loop that ticks every `tick` (default 50 ms).
///
/// Per-job timeouts and wait timeouts could each be a `Task.sleep` raced against the work, but a
/// cancelled sleep keeps its timer (and memory) until its original deadline: at thousands of jobs
/// a second with five-minute timeouts that is hundreds of megabytes. One ticking loop holds a
/// small entry per deadline instead, and removing an entry frees it at once.
final class DeadlineWatchdog: Sendable {
    private struct Entry {
        let deadline: ContinuousClock.Instant
        let action: @Sendable () -> Void
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())
    private let tick: Duration

    init(tick: Duration = .milliseconds(50)) {
        self.tick = tick
    }

    /// Runs `action` once `deadline` has passed (within one tick), unless ``cancel(_:)`` comes first.
    /// - Returns: the entry's id, for ``cancel(_:)``.
    @discardableResult
    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = Entry(deadline: deadline, action: action)
            return state.nextID
        }
    }

    /// Forgets an entry (a no-op when it already fired).
    func cancel(_ id: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// The number of entries waiting.
    var pending: Int { state.withLock { $0.entries.count } }

    /// Ticks until the task is cancelled, firing what is due (decided under the lock, run after it).
    func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: tick)
            } catch {
                return
            }
            let now = ContinuousClock.now
            let due: [Entry] = state.withLock { state in
                let ids = state.entries.filter { $0.value.deadline <= now }.map(\.key)
                return ids.compactMap { state.entries.removeValue(forKey: $0) }
            }
            for entry in due { entry.action() }
        }
    }

    /// Runs `body` with a watchdog that ticks for as long as `body` runs.
    static func running<T: Sendable>(_ body: (DeadlineWatchdog) async -> T) async -> T {
        let watchdog = DeadlineWatchdog()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchdog.run() }
            let value = await body(watchdog)
            group.cancelAll()
            return value
        }
    }
}
