/// Parses durations written as `250ms`, `5s`, `1.5s`, `2m` (a bare number means seconds).
public enum DurationParsing {
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let text: String
        public var description: String { "'\(text)' is not a duration (examples: 250ms, 5s, 1.5s, 2m)" }
    }

    public static func parse(_ text: String) throws -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            if let value = Double(number), value >= 0, value.isFinite {
                return .milliseconds(Int64((value * seconds * 1000).rounded()))
            }
            throw Invalid(text: text)
        }
        if let value = Double(trimmed), value >= 0, value.isFinite { return .milliseconds(Int64((value * 1000).rounded())) }
        throw Invalid(text: text)
    }
}

import Foundation
