import Foundation

/// `Date` as ISO-8601 text in UTC to the millisecond (`2024-05-01T12:34:56.789Z`), computed with integer
/// arithmetic only (no formatters, calendars or locale). Shared by the PostgreSQL client (the text it
/// sends for a timestamp) and the services (dates in HTTP answers and mails).
package enum ISO8601Timestamp {
    /// `2024-05-01T12:34:56.789Z`: ISO-8601 in UTC, rounded to the millisecond.
    /// Years before 1 AD use PostgreSQL's `BC` suffix.
    package static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, millis) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        let displayYear = year > 0 ? year : 1 - year
        // Written as bytes: this runs for every mail the outbox marks sent, and joining padded strings cost more.
        var text: [UInt8] = []
        text.reserveCapacity(32)
        appendDigits(displayYear, width: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &text)
        text.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 3600 / 60, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &text)
        text.append(UInt8(ascii: "."))
        appendDigits(millis, width: 3, to: &text)
        text.append(UInt8(ascii: "Z"))
        if year <= 0 { text.append(contentsOf: " BC".utf8) }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, days since 1970-01-01)

    /// Days since the epoch of a civil date (Howard Hinnant's `days_from_civil`).
    package static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivision(y, 400).quotient
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since the epoch (Howard Hinnant's `civil_from_days`).
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivision(z, 146_097).quotient
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Quotient rounded toward minus infinity, and the remainder that goes with it (in `0..<b` for `b > 0`).
    package static func floorDivision(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = a / b
        if a % b != 0 && (a < 0) != (b < 0) { quotient -= 1 }
        return (quotient, a - quotient * b)
    }

    /// Appends the decimal digits of `value` (not negative), zero-padded to `width`.
    package static func appendDigits(_ value: Int64, width: Int, to text: inout [UInt8]) {
        var divisor: Int64 = 1, count = 1
        while value / divisor >= 10 { divisor *= 10; count += 1 }
        if count < width { text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count)) }
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
