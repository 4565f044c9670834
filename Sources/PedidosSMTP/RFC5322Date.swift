import Foundation
import PedidosSupport

/// Formats dates as RFC 5322 `date-time` values, e.g. `Thu, 27 Nov 2025 04:59:07 +0000`, always in
/// UTC with English day and month names, independent of the process locale.
///
/// Plain integer arithmetic on the seconds since 1970 (the proleptic Gregorian calendar, as `Calendar`
/// uses): it runs for every mail, and a `Calendar` with its time zone cost more than the rest of the
/// message's rendering.
enum RFC5322Date {
    private static let dayNames = Array("SunMonTueWedThuFriSat".utf8)
    private static let monthNames = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)

    static func string(from date: Date) -> String {
        var bytes: [UInt8] = []
        append(date, to: &bytes)
        return String(decoding: bytes.dropLast(2), as: UTF8.self)
    }

    /// Appends the value and a CRLF to `bytes` (the renderer's `Date:` header, written for every mail).
    static func append(_ date: Date, to bytes: inout [UInt8]) {
        // The calendar arithmetic and the digits are ISO8601Timestamp's, shared with the timestamps PostgreSQL gets.
        let (days, secondOfDay) = ISO8601Timestamp.floorDivision(Int64(date.timeIntervalSince1970.rounded(.down)), 86_400)
        let (year, month, day) = ISO8601Timestamp.civil(fromDays: days)
        let weekday = Int(ISO8601Timestamp.floorDivision(days + 4, 7).remainder)  // 1970-01-01 was a Thursday (4)
        bytes.append(contentsOf: dayNames[(weekday * 3)..<(weekday * 3 + 3)])
        bytes.append(contentsOf: ", ".utf8)
        ISO8601Timestamp.appendDigits(day, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: monthNames[Int((month - 1) * 3)..<Int(month * 3)])
        bytes.append(UInt8(ascii: " "))
        if year >= 0 {
            ISO8601Timestamp.appendDigits(year, width: 4, to: &bytes)
        } else {
            // Before 1 BC there is no RFC 5322 year; written as it always was.
            let yearText = String(year).utf8
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 4 - yearText.count)))
            bytes.append(contentsOf: yearText)
        }
        bytes.append(UInt8(ascii: " "))
        ISO8601Timestamp.appendDigits(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        ISO8601Timestamp.appendDigits(secondOfDay / 60 % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        ISO8601Timestamp.appendDigits(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(contentsOf: " +0000\r\n".utf8)
    }
}
