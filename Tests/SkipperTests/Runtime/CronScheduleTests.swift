import Foundation
import SkipperRuntime
import Testing

/// The cron evaluator against instants computed by hand (from the zones' published rules: Berlin
/// goes to CEST at 01:00Z on the last Sunday of March and back at 01:00Z on the last Sunday of
/// October; New York to EDT at 07:00Z on the second Sunday of March and back at 06:00Z on the
/// first Sunday of November).
@Suite("cron schedules")
struct CronScheduleTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    /// The next `count` slots after `start`, as RFC 3339 UTC names.
    static func slots(_ expression: String, _ zone: TimeZone = utc, after start: String, count: Int = 1) throws -> [String] {
        let cron = try CronSchedule(expression, timeZone: zone)
        var at = instant(start), out: [String] = []
        for _ in 0..<count {
            guard let next = cron.next(after: at) else { break }
            out.append(CronSchedule.slotName(next))
            at = next
        }
        return out
    }

    @Test(arguments: [
        ("*/15 * * * *", "2026-11-25T01:07:00Z", ["2026-11-25T01:15:00Z", "2026-11-25T01:30:00Z", "2026-11-25T01:45:00Z"]),
        ("*/15 * * * *", "2026-11-25T01:15:00Z", ["2026-11-25T01:30:00Z"]),
        ("5,10-12 3 * * *", "2026-11-25T03:10:30Z", ["2026-11-25T03:11:00Z", "2026-11-25T03:12:00Z", "2026-11-26T03:05:00Z"]),
        ("10-40/15 * * * *", "2026-11-25T00:41:00Z", ["2026-11-25T01:10:00Z", "2026-11-25T01:25:00Z", "2026-11-25T01:40:00Z"]),
        ("50/5 * * * *", "2026-11-25T00:00:00Z", ["2026-11-25T00:50:00Z", "2026-11-25T00:55:00Z", "2026-11-25T01:50:00Z"]),
        // 2026-11-27 is a Friday.
        ("0 9 * * MON-FRI", "2026-11-27T10:00:00Z", ["2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z"]),
        ("0 9 * * sat,SUN", "2026-11-27T10:00:00Z", ["2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z", "2026-12-05T09:00:00Z"]),
        ("0 0 * * 7", "2026-11-27T10:00:00Z", ["2026-11-29T00:00:00Z"]),
        // Both day fields restricted: either matches (Fridays and the 13th).
        ("0 0 13 * FRI", "2026-12-01T00:00:00Z", ["2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-18T00:00:00Z"]),
        // A day-of-week starting with * leaves only the day of month (cron's rule).
        ("0 0 13 * */2", "2026-12-01T00:00:00Z", ["2026-12-13T00:00:00Z", "2027-01-13T00:00:00Z"]),
        ("0 12 1 JAN,jul *", "2026-02-01T00:00:00Z", ["2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z"]),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        ("0 0 31 * *", "2026-04-01T00:00:00Z", ["2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"]),
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", ["2027-12-31T23:59:00Z"]),
        // Six fields: seconds first.
        ("*/10 * * * * *", "2026-11-25T00:00:05Z", ["2026-11-25T00:00:10Z", "2026-11-25T00:00:20Z"]),
        ("30 0 0 * * *", "2026-11-25T00:00:30Z", ["2026-11-26T00:00:30Z"]),
        ("@hourly", "2026-11-25T01:59:59Z", ["2026-11-25T02:00:00Z", "2026-11-25T03:00:00Z"]),
        ("@daily", "2026-11-25T00:00:00Z", ["2026-11-26T00:00:00Z"]),
        ("@midnight", "2026-11-25T23:00:00Z", ["2026-11-26T00:00:00Z"]),
        ("@weekly", "2026-11-25T12:00:00Z", ["2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z"]),
        ("@monthly", "2026-11-25T12:00:00Z", ["2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        ("@yearly", "2026-11-25T12:00:00Z", ["2027-01-01T00:00:00Z"]),
        ("@annually", "2026-11-25T12:00:00Z", ["2027-01-01T00:00:00Z"]),
        // @every: multiples of the interval since 1970 (2026-11-25T00:00:00Z is one of 30 s, 5 min, 90 min, 1 day).
        ("@every 30s", "2026-11-25T00:00:10Z", ["2026-11-25T00:00:30Z", "2026-11-25T00:01:00Z"]),
        ("@every 5m", "2026-11-25T00:00:00Z", ["2026-11-25T00:05:00Z"]),
        ("@every 1h30m", "2026-11-25T00:00:01Z", ["2026-11-25T01:30:00Z", "2026-11-25T03:00:00Z"]),
        ("@every 1d", "2026-11-25T00:00:00Z", ["2026-11-26T00:00:00Z"]),
    ])
    func nextSlotsInUTC(expression: String, after: String, expected: [String]) throws {
        #expect(try Self.slots(expression, after: after, count: expected.count) == expected)
    }

    @Test(arguments: [
        // Berlin, CET (+1) in November.
        ("30 2 * * *", "Europe/Berlin", "2026-11-24T12:00:00Z", ["2026-11-25T01:30:00Z"]),
        // Spring forward: 02:30 does not exist on 29 March; it fires once, when the gap ends (03:00 CEST).
        ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        // Fall back: 02:30 happens twice on 25 October; it fires at the first (CEST).
        ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        // From inside the second 02:xx hour, the first 02:30 has passed: the next day.
        ("30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", ["2026-10-26T01:30:00Z"]),
        // Hourly across spring forward: 02:00 does not exist, it fires at 03:00 CEST once.
        ("0 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", ["2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"]),
        // Hourly across fall back: 02:00 fires at its first occurrence, not again an hour later.
        ("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", ["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"]),
        // New York, spring forward on 8 March: 02:30 EST does not exist, 03:00 EDT is 07:00Z.
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        // Fall back on 1 November: 01:30 happens twice; the first is EDT (05:30Z).
        ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        ("0 9 * * MON-FRI", "America/New_York", "2026-11-27T15:00:00Z", ["2026-11-30T14:00:00Z"]),
    ])
    func nextSlotsInAZone(expression: String, zone: String, after: String, expected: [String]) throws {
        #expect(try Self.slots(expression, TimeZone(identifier: zone)!, after: after, count: expected.count) == expected)
    }

    /// A daily schedule at each hour around the transitions fires once per local day: never
    /// twice, never zero times.
    @Test(arguments: ["Europe/Berlin", "America/New_York"])
    func dailySchedulesFireOncePerLocalDayAcrossBothTransitions(zone: String) throws {
        let timeZone = TimeZone(identifier: zone)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        for minute in ["0", "30", "59"] {
            for hour in 0..<5 {
                let cron = try CronSchedule("\(minute) \(hour) * * *", timeZone: timeZone)
                for (from, to) in [("2026-02-25T00:00:00Z", "2026-04-05T00:00:00Z"), ("2026-10-15T00:00:00Z", "2026-11-10T00:00:00Z")] {
                    var at = Self.instant(from), perDay: [String: Int] = [:], previous: Date?
                    while let next = cron.next(after: at), next < Self.instant(to) {
                        let day = calendar.dateComponents([.year, .month, .day], from: next)
                        perDay["\(day.year!)-\(day.month!)-\(day.day!)", default: 0] += 1
                        if let previous { #expect(next > previous) }
                        previous = next
                        at = next
                    }
                    let days = Int(Self.instant(to).timeIntervalSince(Self.instant(from)) / 86_400)
                    #expect(perDay.values.allSatisfy { $0 == 1 }, "\(minute) \(hour) in \(zone): \(perDay.filter { $0.value != 1 })")
                    #expect(abs(perDay.count - days) <= 1, "\(minute) \(hour) in \(zone): \(perDay.count) days of \(days)")
                }
            }
        }
    }

    /// Every 15 minutes through both of Berlin's transitions: strictly increasing, no instant twice.
    @Test func frequentSlotsNeverRepeatAnInstant() throws {
        let cron = try CronSchedule("*/15 * * * *", timeZone: Self.berlin)
        for (from, to, expected) in [
            ("2026-03-28T23:00:00Z", "2026-03-29T03:00:00Z", 16),  // the skipped hour's four slots fire once, at its end (03:00 CEST, itself a slot)
            ("2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z", 16 - 4),  // the repeated hour fires once
        ] {
            var at = Self.instant(from), seen: [Date] = []
            while let next = cron.next(after: at), next <= Self.instant(to) {
                seen.append(next)
                at = next
            }
            #expect(Set(seen).count == seen.count && seen == seen.sorted())
            #expect(seen.count == expected, "\(from): \(seen.map(CronSchedule.slotName))")
        }
    }

    @Test(arguments: [
        ("61 * * * *", "minute \"61\": 61 is outside 0-59"),
        ("* 24 * * *", "hour \"24\": 24 is outside 0-23"),
        ("* * * *", "4 fields"),
        ("* * * * * * *", "7 fields"),
        ("* * 0 * *", "day of month \"0\": 0 is outside 1-31"),
        ("* * * 13 *", "month \"13\": 13 is outside 1-12"),
        ("* * * FOO *", "month \"FOO\": FOO is not a number or a name"),
        ("* * * * 8", "day of week \"8\": 8 is outside 0-7"),
        ("5-1 * * * *", "range 5-1 runs backwards"),
        ("*/0 * * * *", "step 0 is not 1-59"),
        ("1,,2 * * * *", "empty list item"),
        ("0 0 30 2 *", "never fires"),
        ("@fortnightly", "unknown macro"),
        ("@every 0s", "@every takes a duration"),
        ("@every soon", "@every takes a duration"),
        ("@every 10", "@every takes a duration"),
    ])
    func invalidExpressionsSayWhatIsWrong(expression: String, reason: String) {
        let error = #expect(throws: CronError.self) { try CronSchedule(expression) }
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains(expression) == true)
    }

    @Test func slotNamesAreRFC3339InUTC() {
        #expect(CronSchedule.slotName(Self.instant("2026-11-25T01:30:00Z")) == "2026-11-25T01:30:00Z")
        #expect(CronSchedule.slotName(Date(timeIntervalSince1970: 0.9)) == "1970-01-01T00:00:00Z")
    }
}
