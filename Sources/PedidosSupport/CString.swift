extension String {
    /// Decodes a NUL-terminated C buffer (such as an error buffer filled by a C library) as UTF-8.
    package init(nulTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
