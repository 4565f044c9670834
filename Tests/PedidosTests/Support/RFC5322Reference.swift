import Foundation

/// The RFC 5322 `Date` rendering as Foundation's formatter writes it: the reference the renderer's own arithmetic
/// (`RFC5322Date`) is checked against.
enum RFC5322Reference {
    static func string(from date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
