import Foundation
import PedidosDomain

/// The rows of a load-test dataset (`nombre,precio,correo` CSV, see `datasets/README.md`), each already
/// rendered as the JSON body of a `POST /pedidos`.
public struct PedidoDataset: Sendable {
    /// One row: the recipient its mails must reach and the request body.
    public struct Row: Sendable {
        public let correo: String
        public let body: [UInt8]
    }

    /// Short name used in result folder names (the file name without extension).
    public let name: String
    public let rows: [Row]

    /// Reads `path`. `precio` is sent as a JSON number exactly as written in the file.
    /// - Throws: ``CargaError`` when the file is missing, has no rows, or a row is malformed.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CargaError("no se pudo leer el dataset \(path)")
        }
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var rows: [Row] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() where number > 0 {
            let fields = Self.fields(of: Substring(line))
            guard fields.count == 3 else { throw CargaError("\(path):\(number + 1): se esperaban 3 campos") }
            let body = JSONValue.object([
                ("nombre", .string(fields[0])), ("precio", .number(fields[1])), ("correo", .string(fields[2])),
            ]).serialized
            rows.append(Row(correo: fields[2], body: Array(body.utf8)))
        }
        guard !rows.isEmpty else { throw CargaError("el dataset \(path) no tiene filas") }
        self.rows = rows
    }

    /// The row for the `index`-th order of a run (the dataset is reused cyclically).
    public func row(_ index: Int) -> Row { rows[index % rows.count] }

    /// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
    static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let following = iterator.next() {
                        if following == "\"" { current.append("\"") } else {
                            quoted = false
                            if following == "," { fields.append(current); current = "" } else { current.append(following) }
                        }
                    } else { quoted = false }
                } else { current.append(character) }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current); current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
