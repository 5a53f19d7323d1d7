import Glibc

/// Blobs as files under a directory: `objects/ab/abcdef…` by SHA-256, `uploads/<id>` for
/// uploads under way. Writes are `pwrite` + `fsync`; moves are `rename` + `fsync` of the
/// directory, so a stored file is whole or absent after a crash.
public final class FileBlobStore: BlobStore {
    public let directory: String

    /// - Throws: `.unavailable` when the directories cannot be made.
    public init(directory: String) throws(StoreError) {
        self.directory = directory
        for d in [directory, directory + "/objects", directory + "/uploads"] {
            if mkdir(d, 0o700) != 0, errno != EEXIST { throw Self.failure("cannot create the blob directory", d) }
        }
    }

    static func failure(_ message: String, _ path: String) -> StoreError {
        let code: StoreError.Code = errno == ENOSPC || errno == EDQUOT ? .unavailable : .failed
        return StoreError(code, errno == ENOSPC ? "the disk is full" : message, detail: "\(path): \(String(cString: strerror(errno)))")
    }

    /// Upload ids are made by the server; anything else is refused before it reaches a path.
    private func uploadPath(_ id: String) throws(StoreError) -> String {
        guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
            throw StoreError(.failed, "not an upload id", detail: id)
        }
        return "\(directory)/uploads/\(id)"
    }

    private func objectPath(_ sha256: String) throws(StoreError) -> (dir: String, file: String) {
        guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw StoreError(.failed, "not a SHA-256", detail: sha256)
        }
        let dir = "\(directory)/objects/\(sha256.prefix(2))"
        return (dir, "\(dir)/\(sha256)")
    }

    private func syncDirectory(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("cannot open a blob directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Self.failure("cannot sync a blob directory", path) }
    }

    public func writeUpload(id: String, offset: Int64, _ bytes: [UInt8]) throws(StoreError) {
        let path = try uploadPath(id)
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("cannot open an upload", path) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Self.failure("cannot write an upload", path) }
            done += n
        }
        guard fsync(fd) == 0 else { throw Self.failure("cannot sync an upload", path) }
        if offset == 0 { try syncDirectory("\(directory)/uploads") }
    }

    private func readFile(_ path: String, offset: Int64, length: Int) throws(StoreError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("cannot open a stored file", path) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: max(0, length))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Self.failure("cannot read a stored file", path) }
            if n == 0 { break }
            done += n
        }
        out.removeSubrange(done...)
        return out
    }

    public func readUpload(id: String, offset: Int64, length: Int) throws(StoreError) -> [UInt8] {
        try readFile(try uploadPath(id), offset: offset, length: length)
    }

    public func commitUpload(id: String, sha256: String) throws(StoreError) {
        let from = try uploadPath(id)
        let (dir, to) = try objectPath(sha256)
        if mkdir(dir, 0o700) != 0, errno != EEXIST { throw Self.failure("cannot create a blob directory", dir) }
        if access(to, F_OK) == 0 {
            try removeUpload(id: id)
            return
        }
        guard rename(from, to) == 0 else { throw Self.failure("cannot store an upload", to) }
        try syncDirectory(dir)
        try syncDirectory("\(directory)/uploads")
    }

    public func removeUpload(id: String) throws(StoreError) {
        let path = try uploadPath(id)
        if unlink(path) != 0, errno != ENOENT { throw Self.failure("cannot remove an upload", path) }
    }

    public func read(sha256: String, offset: Int64, length: Int) throws(StoreError) -> [UInt8] {
        try readFile(try objectPath(sha256).file, offset: offset, length: length)
    }

    public func hasUpload(id: String) -> Bool {
        guard let path = try? uploadPath(id) else { return false }
        return access(path, F_OK) == 0
    }

    public func contains(sha256: String) -> Bool {
        guard let path = try? objectPath(sha256).file else { return false }
        return access(path, F_OK) == 0
    }
}
