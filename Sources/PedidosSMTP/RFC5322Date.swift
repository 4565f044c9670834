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
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let civil = ISO8601Timestamp.civil(fromDays: Int64(days))
        let (year, month, day) = (Int(civil.year), Int(civil.month), Int(civil.day))
        let weekday = (days + 4).floorDivided(by: 7).remainder  // 1970-01-01 was a Thursday (4)
        bytes.append(contentsOf: dayNames[(weekday * 3)..<(weekday * 3 + 3)])
        bytes.append(contentsOf: ", ".utf8)
        appendTwoDigits(day, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: monthNames[((month - 1) * 3)..<(month * 3)])
        bytes.append(UInt8(ascii: " "))
        let yearText = String(year).utf8
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 4 - yearText.count)))
        bytes.append(contentsOf: yearText)
        bytes.append(UInt8(ascii: " "))
        appendTwoDigits(secondOfDay / 3600, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay / 60 % 60, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay % 60, to: &bytes)
        bytes.append(contentsOf: " +0000\r\n".utf8)
    }

    /// Two digits of a value in 0...99.
    private static func appendTwoDigits(_ value: Int, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}

private extension Int {
    /// Quotient rounded toward minus infinity, and a remainder in `0..<divisor`.
    func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
