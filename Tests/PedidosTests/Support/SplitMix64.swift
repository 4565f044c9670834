/// A reproducible stream of pseudo-random numbers (SplitMix64): the generated test values are the same on every
/// run, so a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Up to `maxLength` of `pieces`, drawn with repetition and joined.
    mutating func string(from pieces: [String], maxLength: Int) -> String {
        (0..<Int(next() % UInt64(maxLength + 1))).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()
    }
}
