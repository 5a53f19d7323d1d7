public import LianjieStore
import LianjieRPC

/// Recusal (回避): an account that declared a conflict of interest with a subject may not
/// handle the subject's cases, decide appeals about them, or review or sign opinions about
/// them. (Nobody acts on their own record at all: staff do not reach it.)
public enum Recusal {
    /// FAILED_PRECONDITION naming the declaration, when `accountID` has one in force with
    /// `subjectID`; `what` says what someone else must do (`decide the appeal`).
    public static func check(_ accountID: String, subjectID: String, doing what: String, _ r: any StoreReader) throws {
        guard let c = try r.conflictInForce(accountID: accountID, subjectID: subjectID) else { return }
        throw RPCError(.failedPrecondition,
                       "recusal (回避): you declared a conflict of interest with this subject (\(c.relation), declaration \(c.id)); someone else must \(what)")
    }
}
