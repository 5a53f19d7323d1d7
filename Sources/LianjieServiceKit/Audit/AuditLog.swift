import Foundation
import LianjieSecurity
public import LianjieStore

/// The secret that keys the audit chain, kept outside the database (a 0600 file in the
/// configuration directory, or a systemd credential), so someone holding only the
/// database cannot rewrite the log and recompute a chain that verifies.
public struct AuditKey: Sendable {
    public let bytes: [UInt8]
    /// True when this start created the key: only then may entries written before the
    /// chain was keyed be keyed now.
    public let isNew: Bool

    /// The key's HMAC states, set up once for every entry's MAC.
    let hmac: Digest.HMACKey

    public init(bytes: [UInt8], isNew: Bool = false) {
        self.bytes = bytes
        hmac = Digest.HMACKey(bytes)
        self.isNew = isNew
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the key at `path`; creates it (32 random bytes, hex, mode 0600) when `create`
    /// is set and no file is there.
    /// - Throws: `Failure` when the file is unreadable, too short, readable by others (unless
    ///   `requirePrivateMode` is false: a systemd credential), or missing while `create` is false.
    public static func load(path: String, create: Bool, requirePrivateMode: Bool = true) throws -> AuditKey {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else {
                throw Failure(description: "the audit key \(path) is missing; restore it from where it was backed up, "
                              + "or the audit log cannot be verified or extended")
            }
            var raw = [UInt8](repeating: 0, count: 32)
            guard raw.withUnsafeMutableBytes({ getentropy($0.baseAddress, 32) }) == 0 else {
                throw Failure(description: "cannot draw random bytes for the audit key")
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw Failure(description: "cannot create the audit key \(path): \(String(cString: strerror(errno)))") }
            let text = Array((Digest.hex(raw) + "\n").utf8)
            let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd)
            close(fd)
            guard written == text.count, synced == 0 else { throw Failure(description: "cannot write the audit key \(path)") }
            return AuditKey(bytes: raw, isNew: true)
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure(description: "cannot read the audit key \(path)") }
        guard !requirePrivateMode || info.st_mode & 0o077 == 0 else {
            throw Failure(description: "the audit key \(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let bytes = Digest.bytes(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count >= 32 else {
            throw Failure(description: "the audit key \(path) is not 64 or more hex digits")
        }
        return AuditKey(bytes: bytes)
    }
}

/// The append-only audit log as a keyed chain: each entry's MAC is HMAC-SHA256 under the
/// `AuditKey` over the previous entry's MAC and this entry's content, so editing,
/// inserting or removing an entry breaks every MAC after it, and nobody without the key
/// can compute a chain that verifies. An anchor (the newest sequence and MAC, kept
/// elsewhere) also catches a log cut short or rolled back to an older backup.
public struct AuditLog: Sendable {
    /// The previous MAC of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    let key: AuditKey

    public init(key: AuditKey) { self.key = key }

    /// What an entry is about.
    public struct Target: Sendable, Equatable {
        public var type: String
        public var id: String
        public var organizationID: String
        public var organizationPath: String

        public init(type: String, id: String, organizationID: String = "", organizationPath: String = "") {
            self.type = type
            self.id = id
            self.organizationID = organizationID
            self.organizationPath = organizationPath
        }
    }

    /// The fields joined by `|`, each with `\` and `|` escaped by a backslash. (Escaped by
    /// hand, byte by byte: Foundation's replacing cost a tenth of a write's CPU.)
    static func content(_ e: AuditRecord) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        // A reason is a field of its own only when there is one, so entries written before
        // reasons existed keep their content (and their MACs verify).
        let fields = [String(e.sequence), String(e.time), e.accountID, e.method, e.recordType, e.recordID, e.organizationID,
                      e.organizationPath, e.peer, e.outcome] + (e.reason.isEmpty ? [] : [e.reason])
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: "|")) }
            for byte in field.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "|") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func mac(previous: String, content: String) -> String {
        Digest.hex(key.hmac.mac(previous + "\n" + content))
    }

    /// The unkeyed hash of entries written before the chain was keyed.
    static func plainHash(previous: String, content: String) -> String {
        Digest.hex(Digest.sha256(previous + "\n" + content))
    }

    /// Appends an entry inside the caller's write transaction; `reason` is what the caller
    /// said the read was for, when it needs one.
    public func append(_ tx: any StoreWriter, time: Int64, accountID: String, method: String, target: Target?, peer: String,
                       outcome: String, reason: String = "") throws {
        let last = try tx.lastAuditEntry()
        var entry = AuditRecord(sequence: (last?.sequence ?? 0) + 1, time: time,
                                accountID: accountID, method: method, recordType: target?.type ?? "",
                                recordID: target?.id ?? "", organizationID: target?.organizationID ?? "",
                                organizationPath: target?.organizationPath ?? "", peer: peer, outcome: outcome,
                                previousHash: last?.hash ?? Self.genesis, hash: "", reason: reason)
        entry.hash = mac(previous: entry.previousHash, content: Self.content(entry))
        try tx.appendAudit(entry)
    }

    /// Keys the entries written before the chain was keyed, once, when the key was just
    /// created: their plain chain is checked first, and nothing is keyed if it is broken.
    /// Returns how many entries were keyed.
    public func keyOlderEntries(_ store: any Store) throws -> Int {
        guard try store.read({ try $0.unkeyedAuditEntryCount() }) > 0 else { return 0 }
        guard key.isNew else {
            // Unkeyed entries beside an existing key were written (or rewritten) without it:
            // keying them now would launder them. Verification reports them instead.
            return 0
        }
        return try store.write { tx in
            var rekeyed: [AuditRecord] = []
            var previousPlain = Self.genesis
            var previousMAC = Self.genesis
            var after: Int64 = 0
            while true {
                let batch = try tx.auditEntries(AuditFilter(scope: .everything), afterSequence: after, limit: 1000)
                guard !batch.isEmpty else { break }
                for var e in batch {
                    after = e.sequence
                    guard !e.keyed else { throw AuditKey.Failure(description: "a keyed audit entry precedes unkeyed ones") }
                    guard e.previousHash == previousPlain, Self.plainHash(previous: previousPlain, content: Self.content(e)) == e.hash else {
                        throw AuditKey.Failure(description: "the unkeyed audit chain is broken at entry \(e.sequence); it was not keyed")
                    }
                    previousPlain = e.hash
                    e.previousHash = previousMAC
                    e.hash = mac(previous: previousMAC, content: Self.content(e))
                    e.keyed = true
                    previousMAC = e.hash
                    rekeyed.append(e)
                }
            }
            try tx.rekeyAudit(rekeyed)
            return rekeyed.count
        }
    }

    /// Where verification stopped, and why.
    public struct Verdict: Sendable, Equatable {
        public var checked: Int64
        public var firstBroken: Int64
        public var problem: String
    }

    /// A point of the chain recorded elsewhere: the entry `sequence` had MAC `mac`.
    public struct Anchor: Sendable, Equatable {
        public var sequence: Int64
        public var mac: String

        public init(sequence: Int64, mac: String) {
            self.sequence = sequence
            self.mac = mac
        }
    }

    /// The newest entry's sequence and MAC: what `lianjie audit anchor` prints to keep.
    public func anchor(_ store: any Store) throws -> Anchor {
        let last = try store.read { try $0.lastAuditEntry() }
        return Anchor(sequence: last?.sequence ?? 0, mac: last?.hash ?? Self.genesis)
    }

    /// Walks the whole chain in order; with `anchor`, also checks the log still reaches it
    /// with the same MAC (so a truncated log, or an older backup, does not verify).
    public func verify(_ store: any Store, anchor: Anchor? = nil) throws -> Verdict {
        var expectedSequence: Int64 = 1
        var previous = Self.genesis
        var checked: Int64 = 0
        var anchorSeen = false
        while true {
            let batch = try store.read { r in
                try r.auditEntries(AuditFilter(scope: .everything), afterSequence: expectedSequence - 1, limit: 1000)
            }
            if batch.isEmpty { break }
            for e in batch {
                if e.sequence != expectedSequence {
                    return Verdict(checked: checked, firstBroken: expectedSequence,
                                   problem: "entry \(expectedSequence) is missing (the next entry is \(e.sequence))")
                }
                if !e.keyed {
                    return Verdict(checked: checked, firstBroken: e.sequence,
                                   problem: "entry \(e.sequence) is not keyed: it was written or rewritten without the audit key")
                }
                if e.previousHash != previous {
                    return Verdict(checked: checked, firstBroken: e.sequence,
                                   problem: "entry \(e.sequence) does not follow from entry \(e.sequence - 1): an entry was removed, inserted or edited")
                }
                if !Digest.constantTimeEqual(Array(mac(previous: e.previousHash, content: Self.content(e)).utf8), Array(e.hash.utf8)) {
                    return Verdict(checked: checked, firstBroken: e.sequence,
                                   problem: "entry \(e.sequence) was edited or forged: its MAC does not match the audit key")
                }
                if let anchor, e.sequence == anchor.sequence {
                    anchorSeen = true
                    if e.hash != anchor.mac {
                        return Verdict(checked: checked, firstBroken: e.sequence,
                                       problem: "entry \(e.sequence) is not the entry the anchor recorded: the log was rewritten or restored from another history")
                    }
                }
                previous = e.hash
                expectedSequence += 1
                checked += 1
            }
        }
        if let anchor, anchor.sequence > 0, !anchorSeen {
            return Verdict(checked: checked, firstBroken: checked + 1,
                           problem: "the log ends at entry \(checked) but the anchor recorded entry \(anchor.sequence): "
                               + "entries were cut off the end, or an older backup was restored")
        }
        return Verdict(checked: checked, firstBroken: 0, problem: "")
    }
}
