import Synchronization

/// Whether spans are worth recording now. After an export fails (the collector refused, is not
/// listening, or did not answer within the export timeout) spans are not recorded for `interval`:
/// nobody can receive them, and recording one costs the runner more than the job it describes.
/// The first span after the pause is recorded again, so the next export probes the collector.
final class CollectorPause: Sendable {
    private let pausedUntil = Mutex<ContinuousClock.Instant?>(nil)
    let interval: Duration

    init(interval: Duration = .seconds(5)) {
        self.interval = interval
    }

    /// An export failed: pause recording from now.
    func exportFailed() {
        let until = ContinuousClock.now + interval
        pausedUntil.withLock { $0 = until }
    }

    /// Whether recording is paused at this moment.
    var isPaused: Bool {
        pausedUntil.withLock { until in
            guard let end = until else { return false }
            if ContinuousClock.now < end { return true }
            until = nil
            return false
        }
    }
}
