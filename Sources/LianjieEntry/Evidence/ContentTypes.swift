/// Whether a file's first bytes are what its declared content type says: a renamed
/// executable is not a PDF. Office documents are ZIP (OOXML) or OLE2 (the old formats).
enum ContentTypes {
    static let office = "application/vnd.openxmlformats-officedocument."
    static let legacyOffice: Set<String> = ["application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"]

    /// The bytes a file of `type` starts with; nil when the type has no check.
    static func matches(_ type: String, head: [UInt8]) -> Bool? {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        switch type {
        case "application/pdf": return starts(Array("%PDF-".utf8))
        case "image/png": return starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case "image/jpeg": return starts([0xFF, 0xD8, 0xFF])
        case "image/heic": return starts(Array("ftyp".utf8), at: 4)
        case _ where type.hasPrefix(office): return starts([0x50, 0x4B, 0x03, 0x04])
        case _ where legacyOffice.contains(type): return starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        default: return nil
        }
    }
}
