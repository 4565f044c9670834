import Testing
@testable import PedidosDomain

@Suite("JSON parser")
struct JSONParserTests {
    @Test("a repeated member name is a typed failure that names the member")
    func duplicateKey() {
        let failure = #expect(throws: JSONParser.Failure.self) {
            try JSONParser.parse(#"{"nombre":"a","precio":1,"nombre":"b"}"#)
        }
        #expect(failure?.kind == .duplicateKey("nombre"))
        #expect(failure?.offset == 33)
    }

    @Test("other defects are malformed, with the offset where parsing stopped",
          arguments: [(#"{"a":1,}"#, 7), (#"[1,2"#, 4), (#"{"a":01}"#, 6), ("\"\u{01}\"", 1)])
    func malformed(document: String, offset: Int) {
        let failure = #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(document) }
        #expect(failure?.kind == .malformed)
        #expect(failure?.offset == offset)
    }

    @Test("texts: raw UTF-8 runs and escapes in any order give the same text",
          arguments: [
            (#""""#, ""),
            (#""María Peña Ibáñez""#, "María Peña Ibáñez"),
            (#""\n""#, "\n"),
            (#""\u0000""#, "\u{0}"),
            (#""a\"b\u00f1c\ud83d\ude00d\\""#, "a\"bñc😀d\\"),
            (#""ñ\/ñ""#, "ñ/ñ"),
          ])
    func texts(document: String, text: String) throws {
        #expect(try JSONParser.parse(document) == .string(text))
    }

    @Test("invalid UTF-8 in a text is malformed, before and after an escape")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22]] {
            let failure = #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes) }
            #expect(failure?.kind == .malformed)
        }
    }
}
