import Foundation
@main struct Bench { static func main() {
let body = Array(#"{"nombre":"Macbook air M1","precio":759.000,"correo":"correopersonal@correo.com"}"#.utf8)
let n = Int(CommandLine.arguments[1])!
var total = 0
for i in 0..<n {
    guard case .object(let m) = try! JSONParser.parse(body) else { fatalError() }
    guard case .string(let nombreRaw) = m[0].value, case .number(let p) = m[1].value, case .string(let correo) = m[2].value else { fatalError() }
    let nombre = try! PedidoFieldRules.nombre(nombreRaw).get()
    precondition(PedidoFieldRules.correoProblem(correo) == nil)
    let pedido = Pedido(id: Int64(i + 1), nombre: nombre, precio: try! Precio(literal: p), correo: correo, estado: .recibido)
    let value = try! PedidoMessage.value(for: pedido)          // producer side
    let back = try! PedidoMessage.decode(value: value, topic: "recibido", topics: PedidoTopics())  // a consumer
    total &+= value.count &+ pedido.json.utf8.count &+ Int(back.id)                          // the answer
}
print(total)
}}
