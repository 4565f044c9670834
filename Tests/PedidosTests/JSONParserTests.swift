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
}
