/// What data entry reads.
public protocol EntryReader {
    // The scheme
    /// The newest published version, if any.
    func latestPublishedScheme() throws -> SchemeVersionRecord?
    /// The newest published version's number; 0 before any.
    func latestSchemeVersion() throws -> Int
    func publishedScheme(version: Int) throws -> SchemeVersionRecord?
    /// Published versions below `before` (all for nil), newest first.
    func publishedSchemes(before: Int?, limit: Int) throws -> [SchemeVersionRecord]
    func publishedSchemeCount() throws -> Int
    func schemeDraft() throws -> SchemeDraftRecord?

    // Entries
    func entry(id: String) throws -> EntryRecord?
    /// The rule-derived entry with this key, if one was recorded.
    func entry(ruleKey: String) throws -> EntryRecord?
    /// Newest recorded first; `page.after` is the last `seq` seen, in decimal.
    func entries(_ filter: EntryFilter, page: Page) throws -> [EntryRecord]
    func entryCount(_ filter: EntryFilter) throws -> Int
    /// Oldest first.
    func entryEvents(entryID: String) throws -> [EntryEventRecord]

    // Evidence
    func evidence(id: String) throws -> EvidenceRecord?
    /// The entries evidence is attached to.
    func entryIDs(evidenceID: String) throws -> [String]
    func upload(id: String) throws -> UploadRecord?
    /// Unexpired uploads an account has open.
    func openUploadCount(accountID: String, at time: Int64) throws -> Int
    /// Uploads whose expiry is at or before `time`.
    func expiredUploads(at time: Int64, limit: Int) throws -> [UploadRecord]
}

/// What data entry changes.
public protocol EntryWriter: EntryReader {
    /// `.conflict` when the version exists already.
    func publishScheme(_ record: SchemeVersionRecord) throws
    /// Writes the draft, whatever was there, with `record.version` as its new version.
    func saveSchemeDraft(_ record: SchemeDraftRecord) throws

    /// Stores a new entry (assigning its `seq`), its work orders, its evidence links and
    /// its first event. `.conflict` when its non-empty `ruleKey` was recorded before.
    @discardableResult
    func createEntry(_ entry: EntryRecord, event: EntryEventRecord) throws -> Int64
    /// Stores an entry's new status, review, reason and appeal, bumps its version, and
    /// appends the event.
    func updateEntry(_ entry: EntryRecord, event: EntryEventRecord) throws

    func createEvidence(_ evidence: EvidenceRecord) throws
    func createUpload(_ upload: UploadRecord) throws
    /// Records that bytes up to `received` are durable, if the upload was at `from`;
    /// false, changing nothing, otherwise.
    func advanceUpload(id: String, from: Int64, to received: Int64) throws -> Bool
    func deleteUpload(id: String) throws
}
