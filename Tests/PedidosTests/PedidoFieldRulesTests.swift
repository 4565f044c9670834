@testable import PedidosDomain
import Testing

/// The field rules decide printable ASCII on bytes (``PedidoFieldRules/isValidPrintableASCIIAddress(_:)``,
/// ``PedidoFieldRules/printableASCIINombre(_:)``) and everything else scalar by scalar: both must give the
/// same answer, checked here on generated values around every rule's edges.
@Suite("Field rules: the printable-ASCII path agrees with the general one")
struct PedidoFieldRulesTests {
    /// Pieces an address is made of, the awkward ones included (controls, separators, non-ASCII, spaces).
    static let addressPieces = ["a", "Z", "0", "9", "x1", "-", ".", "..", "_", "+", "@", " ", "\t", "\u{7F}", "<", ">",
                                "\"", "\\", ",", ";", ":", "(", ")", "[", "]", "ñ", "é", "\u{2028}", "\u{A0}", "\r\n"]

    /// Addresses shaped `local@label.label…`, each piece sometimes awkward, with lengths near every limit.
    static func addresses(count: Int) -> [String] {
        var random = SplitMix64(state: 2026_12_05)
        func text(maximum: Int, awkward: Double) -> String {
            let length = Int.random(in: 0...maximum, using: &random)
            return (0..<length).map { _ in
                Double.random(in: 0..<1, using: &random) < awkward
                    ? addressPieces.randomElement(using: &random)!
                    : String(UnicodeScalar(UInt8.random(in: 97...122, using: &random)))
            }.joined()
        }
        return (0..<count).map { _ in
            let awkward = [0.0, 0.02, 0.1, 0.4].randomElement(using: &random)!
            let long = Bool.random(using: &random)
            let local = text(maximum: long ? 70 : 8, awkward: awkward)
            let labels = (0..<Int.random(in: 0...4, using: &random)).map { _ in text(maximum: long ? 66 : 6, awkward: awkward) }
            return local + "@" + labels.joined(separator: ".")
        } + ["", "@", "a@b", "a@b.c", "a@b.1", "a@b.c1", "a@1.2", "a@b.-c", "a@b.c-", "a@b..c", ".a@b.c", "a.@b.c",
             String(repeating: "l", count: 64) + "@b.co", String(repeating: "l", count: 65) + "@b.co",
             "a@" + Array(repeating: String(repeating: "d", count: 63), count: 4).joined(separator: ".") + ".co",
             "a@" + Array(repeating: String(repeating: "d", count: 61), count: 4).joined(separator: ".") + ".co"]
    }

    @Test("every generated address gets the same verdict on both paths, and the sample has both verdicts")
    func correoPathsAgree() {
        let addresses = Self.addresses(count: 20_000)
        var accepted = 0
        for address in addresses {
            let general = PedidoFieldRules.anyCorreoProblem(address)
            #expect(PedidoFieldRules.isValidPrintableASCIIAddress(address) == (general == nil), "\(address.debugDescription)")
            #expect(PedidoFieldRules.correoProblem(address) == general, "\(address.debugDescription)")
            if general == nil { accepted += 1 }
        }
        #expect(accepted >= 1_000)
        #expect(addresses.count - accepted >= 5_000)
    }

    @Test("every generated name gets the same answer on both paths; only printable ASCII takes the byte path")
    func nombrePathsAgree() {
        var random = SplitMix64(state: 5)
        let pieces = ["a", "Macbook", " ", "  ", "1", "~", "\t", "\n", "\u{7F}", "\u{85}", "ñ", "\u{A0}", "\u{3000}", "é"]
        var byBytes = 0
        for _ in 0..<20_000 {
            let size = [0, 3, 12, 199, 200, 201, 230].randomElement(using: &random)!
            var name = ""
            while name.unicodeScalars.count < size {
                name += Int.random(in: 0..<10, using: &random) < 8 ? "b" : pieces.randomElement(using: &random)!
            }
            let printable = name.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
            let fast = PedidoFieldRules.printableASCIINombre(name)
            #expect((fast != nil) == printable, "\(name.debugDescription)")
            if let fast {
                byBytes += 1
                #expect(fast == PedidoFieldRules.anyNombre(name), "\(name.debugDescription)")
            }
            #expect(PedidoFieldRules.nombre(name) == PedidoFieldRules.anyNombre(name), "\(name.debugDescription)")
        }
        #expect(byBytes >= 2_000)
    }
}
