/// Where file contents live (evidence), beside the rows that describe them: content-
/// addressed by SHA-256, so the same file stored twice is kept once and a stored file
/// never changes. Unfinished uploads are kept apart until they are complete.
///
/// Every method that stores bytes returns once they are durable (fsync'd, and the
/// directory entry too). Thread-safe. A deployment of several servers puts the blob
/// directory on storage they share.
public protocol BlobStore: Sendable {
    /// Writes `bytes` at `offset` of the upload `id` (created on first write).
    func writeUpload(id: String, offset: Int64, _ bytes: [UInt8]) throws(StoreError)
    /// Reads up to `length` bytes of the upload from `offset` (to check its hash).
    func readUpload(id: String, offset: Int64, length: Int) throws(StoreError) -> [UInt8]
    /// Moves a complete upload to its place under `sha256` (hex); if that content is
    /// stored already, the upload is simply removed.
    func commitUpload(id: String, sha256: String) throws(StoreError)
    /// Removes an upload's bytes, if any.
    func removeUpload(id: String) throws(StoreError)
    /// Reads up to `length` bytes of stored content from `offset`.
    func read(sha256: String, offset: Int64, length: Int) throws(StoreError) -> [UInt8]
    /// Whether an upload has bytes stored.
    func hasUpload(id: String) -> Bool
    /// Whether content with this hash is stored.
    func contains(sha256: String) -> Bool
}
