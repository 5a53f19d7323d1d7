import Glibc
import LianjieSecurity
import LianjieStore

/// The append-only audit log as a hash chain: each entry's hash is the SHA-256 of the
/// previous entry's hash and this entry's content, so editing, inserting or removing an
/// entry breaks every hash after it.
enum AuditLog {
    /// The previous hash of the first entry.
    static let genesis = String(repeating: "0", count: 64)

    /// What an entry is about.
    struct Target: Sendable, Equatable {
        var type: String
        var id: String
        var organizationID: String = ""
        var organizationPath: String = ""
    }

    static func content(_ e: AuditRecord) -> String {
        [String(e.sequence), String(e.time), e.accountID, e.method, e.recordType, e.recordID, e.organizationID,
         e.organizationPath, e.peer, e.outcome].map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|") }
            .joined(separator: "|")
    }

    static func hash(previous: String, content: String) -> String {
        Digest.hex(Digest.sha256(previous + "\n" + content))
    }

    /// Appends an entry inside the caller's write transaction.
    static func append(_ tx: any StoreWriter, accountID: String, method: String, target: Target?, peer: String, outcome: String) throws {
        let last = try tx.lastAuditEntry()
        var entry = AuditRecord(sequence: (last?.sequence ?? 0) + 1, time: Services.nowNanos(),
                                accountID: accountID, method: method, recordType: target?.type ?? "",
                                recordID: target?.id ?? "", organizationID: target?.organizationID ?? "",
                                organizationPath: target?.organizationPath ?? "", peer: peer, outcome: outcome,
                                previousHash: last?.hash ?? genesis, hash: "")
        entry.hash = hash(previous: entry.previousHash, content: content(entry))
        try tx.appendAudit(entry)
    }

    struct Verdict: Sendable, Equatable {
        var checked: Int64
        var firstBroken: Int64
        var problem: String
    }

    /// Walks the whole chain in order.
    static func verify(_ store: any Store) throws -> Verdict {
        var expectedSequence: Int64 = 1
        var previous = genesis
        var checked: Int64 = 0
        while true {
            let batch = try store.read { r in
                try r.auditEntries(AuditFilter(scope: .everything), afterSequence: expectedSequence - 1, limit: 1000)
            }
            if batch.isEmpty { return Verdict(checked: checked, firstBroken: 0, problem: "") }
            for e in batch {
                if e.sequence != expectedSequence {
                    return Verdict(checked: checked, firstBroken: expectedSequence,
                                   problem: "entry \(expectedSequence) is missing (the next entry is \(e.sequence))")
                }
                if e.previousHash != previous {
                    return Verdict(checked: checked, firstBroken: e.sequence,
                                   problem: "entry \(e.sequence) does not follow from entry \(e.sequence - 1): an entry was removed, inserted or edited")
                }
                if hash(previous: e.previousHash, content: content(e)) != e.hash {
                    return Verdict(checked: checked, firstBroken: e.sequence, problem: "entry \(e.sequence) was edited: its content does not match its hash")
                }
                previous = e.hash
                expectedSequence += 1
                checked += 1
            }
        }
    }
}
