@testable import SkipperRuntime
import Synchronization
import Testing

/// The runtime's small timing parts on their own.
@Suite("watchdog and wake signal")
struct SupportTests {
    @Test func theWatchdogFiresDueActionsAndNotCancelledOnes() async throws {
        let fired = Mutex<[String]>([])
        await DeadlineWatchdog.running { watchdog in
            watchdog.schedule(at: .now + .milliseconds(100)) { fired.withLock { $0.append("due") } }
            let cancelled = watchdog.schedule(at: .now + .milliseconds(100)) { fired.withLock { $0.append("cancelled") } }
            watchdog.cancel(cancelled)
            // Due after 100 ms; a loaded machine may take longer to get there.
            let deadline = ContinuousClock.now + .seconds(10)
            while watchdog.pending > 0 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            try? await Task.sleep(for: .milliseconds(200))
            #expect(watchdog.pending == 0)
        }
        #expect(fired.withLock { $0 } == ["due"])
    }

    @Test func aSignalBeforeTheWaitIsKeptAndAWaitEndsAtItsTimeout() async throws {
        await DeadlineWatchdog.running { watchdog in
            let wake = WakeSignal(watchdog: watchdog)
            wake.signal()
            let early = ContinuousClock.now
            await wake.wait(timeout: .seconds(30))
            #expect(ContinuousClock.now - early < .seconds(1))
            let late = ContinuousClock.now
            await wake.wait(timeout: .milliseconds(200))
            #expect(ContinuousClock.now - late >= .milliseconds(150))
        }
    }
}

@Suite("background share")
struct BackgroundShareTests {
    @Test func aSlowBackgroundReadWaitsLongerSoItKeepsToItsShare() {
        #expect(nextRoundAfter(interval: .seconds(15), lastRoundTook: .milliseconds(40)) == .seconds(15))
        #expect(nextRoundAfter(interval: .seconds(15), lastRoundTook: .milliseconds(1700)) == .seconds(170))
        #expect(nextRoundAfter(interval: .seconds(10), lastRoundTook: .seconds(1), share: 0.05) == .seconds(20))
    }
}
