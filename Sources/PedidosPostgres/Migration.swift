import Foundation

/// One migration file, `NNN_name.sql`, from a migrations directory.
public struct Migration: Sendable, Hashable, CustomStringConvertible {
    /// The number before the first underscore (leading zeros ignored: `007` is 7).
    public let version: Int
    /// The part between the underscore and `.sql`, recorded in `schema_migrations.name`.
    public let name: String
    /// The file.
    public let url: URL

    public var description: String { url.lastPathComponent }

    /// Parses a file name of the form `NNN_name.sql`: one or more ASCII digits (a value up to 2147483647), an
    /// underscore, then letters, digits, `_` or `-`. Returns `nil` for anything else.
    static func parse(fileName: String) -> (version: Int, name: String)? {
        guard fileName.hasSuffix(".sql"), let underscore = fileName.firstIndex(of: "_") else { return nil }
        let digits = fileName[..<underscore]
        let name = fileName[fileName.index(after: underscore)..<fileName.index(fileName.endIndex, offsetBy: -4)]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let version = Int32(digits.drop(while: { $0 == "0" }).isEmpty ? "0" : String(digits.drop(while: { $0 == "0" }))),
              !name.isEmpty,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { return nil }
        return (Int(version), String(name))
    }
}

/// Why `MigrationRunner` refused or stopped.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The migrations directory cannot be listed, or a file cannot be read as UTF-8.
        case unreadable
        /// A `.sql` file does not match `NNN_name.sql`.
        case malformedFileName
        /// Two files share a version number.
        case duplicateVersion
        /// A migration's SQL failed; its transaction was rolled back and it is not recorded.
        case failed
    }

    /// What went wrong.
    public let kind: Kind
    /// The file(s) concerned.
    public let files: [String]
    /// The version that failed, for `.failed` and `.duplicateVersion`.
    public let version: Int?
    /// A human-readable explanation.
    public let message: String
    /// The underlying error (a `PostgresError` for `.failed`).
    public let underlying: (any Error)?

    init(_ kind: Kind, files: [String], version: Int? = nil, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.files = files
        self.version = version
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(message): \($0)" } ?? message
    }
}
