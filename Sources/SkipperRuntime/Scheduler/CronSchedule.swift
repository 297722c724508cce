import Foundation

/// When a recurring schedule fires: a cron expression evaluated in a time zone.
///
/// Forms: five fields (minute hour day-of-month month day-of-week), six with seconds first,
/// `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`, and `@every 30s`
/// (also `5m`, `2h`, `1d`, `1h30m`). A field is `*`, a number, a range `a-b`, a step `*/n`,
/// `a-b/n` or `a/n`, or a list of those; months and weekdays take names (`JAN`, `MON-FRI`); a
/// weekday of 7 is Sunday. When both day fields are restricted, a day matches either (cron's
/// OR rule); a field that starts with `*` is unrestricted.
///
/// Slots are local wall-clock times in `timeZone`. A local time that does not exist (the hour
/// skipped when clocks go forward) fires once, at the first instant after the gap; a local time
/// that occurs twice (when clocks go back) fires once, at its first occurrence. `@every` slots are
/// multiples of the interval since 1970-01-01T00:00:00Z, the same for every scheduler.
public struct CronSchedule: Sendable, Equatable {
    /// The expression as written.
    public let expression: String
    /// The zone its wall-clock fields are read in.
    public let timeZone: TimeZone
    private let rule: Rule

    private enum Rule: Sendable, Equatable {
        case fields(Fields)
        case every(seconds: Int64)
    }

    /// Parses `expression` for `timeZone`; the error says which field is wrong and why.
    public init(_ expression: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(CronError) {
        self.expression = expression
        self.timeZone = timeZone
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("@every") {
            rule = .every(seconds: try Self.parseEvery(String(trimmed.dropFirst("@every".count)), expression: expression))
            return
        }
        let text = Self.macros[trimmed.lowercased()] ?? trimmed
        if text.hasPrefix("@") {
            throw CronError(expression: expression, reason: "unknown macro \(trimmed) (use @yearly, @monthly, @weekly, @daily, @hourly or @every)")
        }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 || parts.count == 6 else {
            throw CronError(expression: expression, reason: "\(parts.count) fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)")
        }
        let all = parts.count == 6 ? parts : ["0"] + parts
        var kinds = FieldKind.allCases.makeIterator()
        var sets: [FieldKind: Set<Int>] = [:]
        for text in all {
            let kind = kinds.next()!
            sets[kind] = try kind.parse(text, expression: expression)
        }
        let fields = Fields(
            seconds: sets[.second]!, minutes: sets[.minute]!, hours: sets[.hour]!, days: sets[.dayOfMonth]!,
            months: sets[.month]!, weekdays: Set(sets[.dayOfWeek]!.map { $0 % 7 }),
            daysRestricted: !all[3].hasPrefix("*"), weekdaysRestricted: !all[5].hasPrefix("*"))
        rule = .fields(fields)
        // An expression such as "0 0 30 2 *" (30 February) parses but never fires.
        guard next(after: Date(timeIntervalSince1970: 0)) != nil else {
            throw CronError(expression: expression, reason: "it never fires (no such date)")
        }
    }

    /// The first slot strictly after `instant`, or nil if none in the next eight years.
    public func next(after date: Date) -> Date? {
        switch rule {
        case .every(let interval):
            let now = Int64(date.timeIntervalSince1970.rounded(.down))
            return Date(timeIntervalSince1970: TimeInterval((now / interval + 1) * interval))
        case .fields(let fields):
            let after = Int64(date.timeIntervalSince1970.rounded(.down))
            var wall = WallTime(localSeconds: after + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(after)))))
            let limit = wall.year + 8
            while let candidate = fields.firstMatch(from: wall.advanced(seconds: 1), untilYear: limit) {
                let fired = instant(forWall: candidate)
                if fired > after { return Date(timeIntervalSince1970: TimeInterval(fired)) }
                wall = candidate
            }
            return nil
        }
    }

    /// The instant a wall-clock time names in the zone: its only one, its first when it occurs
    /// twice, the end of the gap when it does not exist.
    private func instant(forWall wall: WallTime) -> Int64 {
        let local = wall.localSeconds
        func offset(_ t: Int64) -> Int64 { Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))) }
        let before = offset(local - 86_400), after = offset(local + 86_400)
        let valid = Set([before, after]).filter { offset(local - $0) == $0 }.map { local - $0 }
        if let first = valid.min() { return first }
        // In a gap (clocks went forward from `before` to `after`): the transition instant.
        var low = local - max(before, after), high = local - min(before, after)
        while low < high {
            let middle = low + (high - low) / 2
            if offset(middle) == after { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// An execution's slot as the idempotency key names it: RFC 3339 in UTC, whole seconds.
    public static func slotName(_ slot: Date) -> String {
        let wall = WallTime(localSeconds: Int64(slot.timeIntervalSince1970.rounded(.down)))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = String(repeating: "0", count: max(0, 4 - String(wall.year).count)) + String(wall.year)
        return "\(year)-\(two(wall.month))-\(two(wall.day))T\(two(wall.hour)):\(two(wall.minute)):\(two(wall.second))Z"
    }

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    private static func parseEvery(_ text: String, expression: String) throws(CronError) -> Int64 {
        let spec = text.trimmingCharacters(in: .whitespaces).lowercased()
        var total: Int64 = 0, number = "", sawUnit = false
        for character in spec {
            if character.isASCII && character.isNumber {
                number.append(character)
                continue
            }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: throw CronError(expression: expression, reason: "@every takes a duration such as 30s, 5m, 2h, 1d or 1h30m")
            }
            guard let value = Int64(number) else {
                throw CronError(expression: expression, reason: "@every takes a duration such as 30s, 5m, 2h, 1d or 1h30m")
            }
            total += value * unit
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total >= 1, total <= 366 * 86_400 else {
            throw CronError(expression: expression, reason: "@every takes a duration from 1s to 366d such as 30s, 5m, 2h, 1d or 1h30m")
        }
        return total
    }
}

/// A cron expression that cannot be used, and why.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    /// What is wrong with it.
    public let reason: String

    public var description: String { "invalid cron \"\(expression)\": \(reason)" }
}

/// The six fields, in the order of a six-field expression.
private enum FieldKind: CaseIterable {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day of month"
        case .month: "month"
        case .dayOfWeek: "day of week"
        }
    }

    var range: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    var names: [String: Int] {
        switch self {
        case .month:
            ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
        case .dayOfWeek:
            ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
        default: [:]
        }
    }

    func parse(_ text: String, expression: String) throws(CronError) -> Set<Int> {
        func fail(_ reason: String) -> CronError {
            CronError(expression: expression, reason: "\(name) \"\(text)\": \(reason)")
        }
        func value(_ token: Substring) throws(CronError) -> Int {
            if let number = Int(token) {
                guard range.contains(number) else { throw fail("\(number) is outside \(range.lowerBound)-\(range.upperBound)") }
                return number
            }
            guard let named = names[token.lowercased()] else { throw fail("\(token) is not a number\(names.isEmpty ? "" : " or a name")") }
            return named
        }
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("empty list item") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("more than one step") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1, parsed <= range.upperBound else { throw fail("step \(pieces[1]) is not 1-\(range.upperBound)") }
                step = parsed
            }
            let span = pieces[0]
            let low: Int, high: Int
            if span == "*" {
                (low, high) = (range.lowerBound, self == .dayOfWeek ? 6 : range.upperBound)
            } else if let dash = span.firstIndex(of: "-") {
                low = try value(span[..<dash])
                high = try value(span[span.index(after: dash)...])
                guard low <= high else { throw fail("range \(span) runs backwards") }
            } else {
                low = try value(span)
                high = pieces.count == 2 ? (self == .dayOfWeek ? 6 : range.upperBound) : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }
}

/// The fields of a parsed expression, and the search for the next wall-clock time they match.
private struct Fields: Sendable, Equatable {
    let seconds: Set<Int>, minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let daysRestricted: Bool, weekdaysRestricted: Bool

    func dayMatches(_ wall: WallTime) -> Bool {
        let day = days.contains(wall.day), weekday = weekdays.contains(wall.weekday)
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return day || weekday
        case (true, false): return day
        case (false, true): return weekday
        case (false, false): return true
        }
    }

    /// The first wall-clock time at or after `start` that every field matches.
    func firstMatch(from start: WallTime, untilYear limit: Int) -> WallTime? {
        var wall = start
        while wall.year <= limit {
            if !months.contains(wall.month) {
                wall = wall.startOfNextMonth()
            } else if !dayMatches(wall) {
                wall = wall.startOfNextDay()
            } else if !hours.contains(wall.hour) {
                wall = wall.startOfNextHour()
            } else if !minutes.contains(wall.minute) {
                wall = wall.startOfNextMinute()
            } else if !seconds.contains(wall.second) {
                wall = wall.advanced(seconds: 1)
            } else {
                return wall
            }
        }
        return nil
    }
}

/// A wall-clock time as seconds since 1970 read as if local time were UTC: the calendar fields
/// of a local time, with Foundation's Gregorian calendar doing the day and month arithmetic.
private struct WallTime: Sendable {
    let localSeconds: Int64
    let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// 0 = Sunday.
    let weekday: Int

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    init(localSeconds: Int64) {
        self.localSeconds = localSeconds
        let fields = Self.calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second, .weekday], from: Date(timeIntervalSince1970: TimeInterval(localSeconds)))
        (year, month, day) = (fields.year!, fields.month!, fields.day!)
        (hour, minute, second) = (fields.hour!, fields.minute!, fields.second!)
        weekday = fields.weekday! - 1
    }

    func advanced(seconds: Int64) -> WallTime { WallTime(localSeconds: localSeconds + seconds) }
    func startOfNextMinute() -> WallTime { advanced(seconds: Int64(60 - second)) }
    func startOfNextHour() -> WallTime { advanced(seconds: Int64(3600 - minute * 60 - second)) }
    func startOfNextDay() -> WallTime { advanced(seconds: Int64(86_400 - hour * 3600 - minute * 60 - second)) }
    func startOfNextMonth() -> WallTime {
        let first = Self.calendar.date(from: DateComponents(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1))!
        return WallTime(localSeconds: Int64(first.timeIntervalSince1970))
    }
}
