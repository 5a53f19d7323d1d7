public import LianjieRPC
import LianjieScoring
public import LianjieServiceKit
public import LianjieStore

/// The scheme a new deployment starts with.
public enum DefaultScheme {
    /// Publishes the shipped `default-scheme.json` as version 1 on a store that has no
    /// published scheme; changes nothing otherwise. Returns whether it published.
    @discardableResult
    public static func publishIfNone(store: any Store, audit: AuditLog, clock: any ServiceClock, logger: Logger) throws -> Bool {
        guard try store.read({ try $0.latestSchemeVersion() }) == 0 else { return false }
        let scheme = try SchemeLoader.defaultScheme().versioned(after: nil)
        let record = SchemeConvert.versionRecord(scheme, version: 1, note: "the default \"1+3\" scheme shipped with Lianjie", by: "",
                                                 at: clock.now())
        let published = try store.write { tx -> Bool in
            guard try tx.latestSchemeVersion() == 0 else { return false }
            try tx.publishScheme(record)
            try tx.saveSchemeDraft(SchemeDraftRecord(document: record.document, basedOn: 1, changedBy: "", changeTime: record.publishTime))
            try audit.append(tx, time: clock.nowNanos(), accountID: "", method: "publish-default-scheme",
                             target: AuditLog.Target(type: "scheme", id: "v1"), peer: "local", outcome: "OK")
            return true
        }
        if published { logger.notice("default scheme published as version 1", ["hash": .text(record.hash)]) }
        return published
    }
}
