public import LianjieMessages
public import LianjieServiceKit
public import LianjieStore
import LianjieRPC

/// Opinions made without a call, through the same steps as the service: for seeding (the
/// demo's signed and pending opinions).
public enum OpinionReplay {
    /// Proposes an opinion about each subject (by id) as `requester` asked at `time`, and
    /// stores them under one request; returns their ids.
    @discardableResult
    public static func request(_ subjectIDs: [String], purpose: OpinionPurpose, note: String, due: String, validityDays: Int = 90,
                               by requester: String, at time: Int64, schemes: PublishedSchemes, _ tx: any StoreWriter) throws -> [String] {
        guard let scheme = try schemes.current(tx) else { return [] }
        let batch = Identifiers.new(prefix: "opb")
        var ids: [String] = []
        for id in subjectIDs {
            guard let s = try tx.subject(id: id), let o = try tx.organization(id: s.organizationID) else { continue }
            var x = try OpinionHandlers.draft(s, o, purpose: purpose, note: note, due: due, validityDays: validityDays, by: requester, at: time,
                                              scheme: scheme, schemes: schemes, tx)
            x.batchID = batch
            try tx.createOpinion(x)
            ids.append(x.id)
        }
        return ids
    }

    /// Reviews (keeping the proposal) and, with `signer`, signs an opinion second.
    public static func sign(_ id: String, reviewer: String, signer: String?, at time: Int64, _ tx: any StoreWriter) throws {
        guard let o = try tx.opinion(id: id) else { return }
        var x = try OpinionHandlers.reviewed(o, conclusion: nil, reason: "", note: "", by: reviewer, at: time)
        if let signer { x = try OpinionHandlers.signed(x, by: signer, at: time) }
        try tx.updateOpinion(x)
    }
}
