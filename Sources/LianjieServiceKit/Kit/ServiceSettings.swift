/// Settings the services read; the daemon fills it from flags and the config file.
public struct ServiceSettings: Sendable {
    /// How long a login session lasts at most.
    public var sessionSeconds: Int64 = 12 * 3600
    /// A session unused for this long ends (0 = never).
    public var sessionIdleSeconds: Int64 = 30 * 60
    /// Failures in a row after which each further failure is answered more slowly.
    public var slowDownAfterFailures = 5
    /// Failures in a row after which the account is locked.
    public var lockAfterFailures = 10
    /// How long a lock lasts.
    public var lockSeconds: Int64 = 15 * 60
    /// Longest pause added to a failed login.
    public var maxFailureDelaySeconds = 2.0
    /// Failed logins from one address within `loginWindowSeconds` after which that address
    /// is refused without a password check until the window has passed.
    public var maxFailuresPerPeer = 50
    /// The window over which failed logins per username and per address are counted.
    public var loginWindowSeconds: Int64 = 15 * 60
    /// How long a `request_id` is remembered: a retry within it gets the first answer.
    public var idempotencyWindowSeconds: Int64 = 24 * 3600
    /// How long a resolved caller may be served from memory before the store is asked
    /// again, even when nothing invalidated it (a bound on staleness for changes made by
    /// another process; changes made through this store invalidate at once).
    public var callerCacheSeconds: Int64 = 60
    /// Whether an employee sees who recorded, reviewed and decided entries about them
    /// (most deployments keep that from them).
    public var showRecorderToEmployee = false
    /// The largest evidence file accepted, in bytes.
    public var maxEvidenceBytes: Int64 = 50 << 20
    /// The content types evidence may have.
    public var evidenceContentTypes: Set<String> = [
        "image/jpeg", "image/png", "image/heic", "application/pdf",
        "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ]
    /// How long an unfinished evidence upload is kept.
    public var uploadExpirySeconds: Int64 = 24 * 3600
    /// Work orders one ImportWorkOrders call may carry at most.
    public var maxWorkOrdersPerImport = 5000
    /// An overdue case is escalated to the discipline head once, then again after every
    /// this many days it stays overdue.
    public var caseEscalationIntervalDays = 7
    /// Failed delivery attempts after which a notification is dead (until an admin
    /// retries it).
    public var notificationMaxAttempts = 8
    /// Where the services read the time.
    public var clock: any ServiceClock = SystemClock()

    public init() {}
}
