import Foundation
import PedidosSupport

/// Converts between `Date` and PostgreSQL's ISO timestamp text, with integer arithmetic only (no
/// formatters, no calendars, no locale), so the result is exact to the millisecond on send and to the
/// microsecond on receive. The calendar arithmetic is ``ISO8601Timestamp``'s.
enum PostgresTimestamp {
    static let posixLocale = Locale(identifier: "en_US_POSIX")

    /// The text sent for a timestamp parameter: ISO-8601 in UTC to the millisecond (see ``ISO8601Timestamp``).
    static func format(_ date: Date) -> String { ISO8601Timestamp.format(date) }

    /// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff]][+HH[:MM[:SS]]][ BC]` (a `T` between date and time is accepted);
    /// without an offset the time is taken as UTC. Returns `nil` for anything else.
    static func parse(_ text: String) -> Date? {
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: break
        }
        var scanner = Scanner(Array(text.utf8))
        guard let rawYear = scanner.number(minDigits: 4, maxDigits: 7), scanner.skip("-"),
              let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
              let day = scanner.number(minDigits: 2, maxDigits: 2),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }

        var secondOfDay: Int64 = 0
        var microseconds: Int64 = 0
        var offsetSeconds: Int64 = 0
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                  let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                  let second = scanner.number(minDigits: 2, maxDigits: 2),
                  hour <= 24, minute < 60, second < 61
            else { return nil }
            secondOfDay = hour * 3600 + minute * 60 + second
            if scanner.skip(".") {
                let start = scanner.position
                guard var fraction = scanner.number(minDigits: 1, maxDigits: 9) else { return nil }
                var digits = scanner.position - start
                while digits < 6 { fraction *= 10; digits += 1 }
                while digits > 6 { fraction /= 10; digits -= 1 }
                microseconds = fraction
            }
            if scanner.peek("+") || scanner.peek("-") {
                let sign: Int64 = scanner.skip("-") ? -1 : { _ = scanner.skip("+"); return 1 }()
                guard let hours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                var offset = hours * 3600
                if scanner.skip(":") {
                    guard let minutes = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                    offset += minutes * 60
                    if scanner.skip(":") {
                        guard let seconds = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                        offset += seconds
                    }
                }
                offsetSeconds = sign * offset
            } else if scanner.skip("Z") {
                offsetSeconds = 0
            }
        }
        let year = scanner.skip(" BC") ? 1 - rawYear : rawYear
        guard scanner.isAtEnd else { return nil }

        let days = ISO8601Timestamp.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + secondOfDay - offsetSeconds
        // One correctly rounded division, so "…56.789" gives the same Double as the literal 56.789 would.
        return Date(timeIntervalSince1970: Double(seconds * 1_000_000 + microseconds) / 1_000_000)
    }

    /// A tiny cursor over ASCII bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { position == bytes.count }

        func peek(_ literal: String) -> Bool {
            let expected = Array(literal.utf8)
            return bytes.count - position >= expected.count
                && bytes[position..<position + expected.count].elementsEqual(expected)
        }

        mutating func skip(_ literal: String) -> Bool {
            guard peek(literal) else { return false }
            position += literal.utf8.count
            return true
        }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while count < maxDigits, position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                position += 1
                count += 1
            }
            return count >= minDigits ? value : nil
        }
    }
}
