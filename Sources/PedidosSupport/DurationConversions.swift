/// The conversions of `Duration` the services need, in one place.
extension Duration {
    /// The duration in (fractional) seconds.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole nanoseconds.
    package var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }

    /// The duration in whole milliseconds, rounded up: a timeout below one millisecond must not become 0,
    /// which C APIs (librdkafka, libcurl) read as "no wait" or "no limit".
    package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let whole = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return attoseconds % 1_000_000_000_000_000 > 0 ? whole + 1 : whole
    }

    /// ``milliseconds`` for a C API that takes an `int` timeout (clamped to its range).
    package var int32Milliseconds: Int32 { Int32(clamping: milliseconds) }
}
