import Glibc
import Dispatch
import LianjieMessages
import LianjieRPC
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import Synchronization

/// Carries out evaluation runs in the background: reads every input in one snapshot,
/// scores on every core, ranks, hashes, and writes the results and the run's figures in one
/// transaction — only if the run is still running then (a cancel in between wins).
///
/// The run's state lives in the store, not here: another process answers
/// `GetEvaluationRun` from the same rows, a cancel made through any process is seen at the
/// next checkpoint, and a run whose process died is marked failed once its heartbeat is
/// older than `staleAfter`.
final class RunEngine: Sendable {
    let kit: ServiceKit
    private let queue = DispatchQueue(label: "lianjie.evaluation.runs", attributes: .concurrent)
    private let running = Atomic<Int>(0)
    /// Runs one process carries out at once; more are refused (RESOURCE_EXHAUSTED).
    static let maxRunning = 2
    /// A running run whose heartbeat is older than this is taken to have died with its process.
    static let staleAfter: Int64 = 300

    init(kit: ServiceKit) { self.kit = kit }

    /// Reserves a slot for a new run; false when this process runs as many as it may.
    func reserve() -> Bool {
        while true {
            let n = running.load(ordering: .relaxed)
            guard n < Self.maxRunning else { return false }
            if running.compareExchange(expected: n, desired: n + 1, ordering: .relaxed).exchanged { return true }
        }
    }

    /// Gives back a slot `reserve` took, for a run that was not started after all.
    func release() { running.subtract(1, ordering: .relaxed) }

    /// Starts the run (created in RUNNING) in the background; `done` is told when it ends.
    func start(_ runID: String, done: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            defer {
                running.subtract(1, ordering: .relaxed)
                done?()
            }
            do {
                try execute(runID)
            } catch let stop as Stopped {
                kit.logger.info("evaluation run stopped", ["run": .text(runID), "reason": .text(stop.reason)])
            } catch {
                kit.logger.error("evaluation run failed", ["run": .text(runID), "error": .text(String(describing: error))])
                try? finish(runID, state: .failed, reason: "the run failed; the server log has the details")
            }
        }
    }

    /// The run was cancelled (or ended) by someone else meanwhile.
    struct Stopped: Error {
        let reason: String
    }

    /// What a run needs from the store, read in one snapshot.
    struct Snapshot {
        var run: EvaluationRunRecord
        var scheme: CompiledScheme
        var period: CorePeriod
        var inputs: [SubjectInput]
        var refs: RefTable
        var previous: [String: PreviousResult]
    }

    /// How often a running run says it is alive, between its phases too.
    static let heartbeatEvery: Int = 60

    private func execute(_ runID: String) throws {
        let clock = ContinuousClock()
        let began = clock.now
        // A heartbeat while the phases run (a phase can take minutes at scale), so no server
        // takes the run for dead.
        let heartbeat = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        heartbeat.schedule(deadline: .now() + .seconds(Self.heartbeatEvery), repeating: .seconds(Self.heartbeatEvery))
        heartbeat.setEventHandler { [kit] in
            let now = kit.settings.clock.now()
            _ = try? kit.store.write { tx in
                guard var run = try tx.evaluationRun(id: runID), run.state == RunState.running.rawValue else { return }
                run.heartbeat = now
                try tx.updateEvaluationRun(run)
            }
        }
        heartbeat.resume()
        defer { heartbeat.cancel() }
        try progress(runID, phase: "reading", done: 0, total: nil)
        let snapshot = try Self.snapshot(runID, kit.store, kit.schemes)
        let read = clock.now
        try progress(runID, phase: "scoring", done: 0, total: snapshot.inputs.count)
        let scored = Self.score(snapshot)
        let scoredAt = clock.now
        try progress(runID, phase: "writing", done: snapshot.inputs.count, total: nil)
        let done = Self.draft(snapshot, scored: scored, now: kit.settings.clock.now(), hashed: false)
        let built = clock.now
        // The run's two hashes are worked out while its results are inserted (SQLite inserts
        // on the writer's thread alone); the run's row, written last, carries them.
        let hashes = Hashes()
        let (run, scheme, inputs, refs, results) = (snapshot.run, snapshot.scheme, snapshot.inputs, snapshot.refs, done.results)
        DispatchQueue.global(qos: .userInitiated).async { hashes.set(Self.hashes(run: run, scheme: scheme, inputs, refs, results)) }
        let inserted = try kit.store.write { tx -> ContinuousClock.Instant in
            guard let run = try tx.evaluationRun(id: runID), run.state == RunState.running.rawValue else {
                throw Stopped(reason: "no longer running")
            }
            try tx.saveEvaluationResults(done.results)
            var finished = done.run
            (finished.inputsSHA256, finished.resultsSHA256) = hashes.wait()
            try tx.updateEvaluationRun(finished)
            return clock.now
        }
        let written = clock.now
        func ms(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
        kit.logger.notice("evaluation run done", ["run": .text(runID), "subjects": .int(Int64(snapshot.inputs.count)),
                                                  "entries": .int(Int64(snapshot.inputs.reduce(0) { $0 + $1.entries.count })),
                                                  "readMs": .int(ms(read - began)), "scoreMs": .int(ms(scoredAt - read)),
                                                  "buildMs": .int(ms(built - scoredAt)), "writeMs": .int(ms(written - built)),
                                                  "commitMs": .int(ms(written - inserted))])
    }

    /// A run's two hashes once they are worked out on another thread.
    private final class Hashes: @unchecked Sendable {
        // @unchecked: `value` is written once, before `ready` is signalled, and read after it.
        private var value: (inputs: String, results: String)?
        private let ready = DispatchSemaphore(value: 0)

        func set(_ v: (inputs: String, results: String)) {
            value = v
            ready.signal()
        }

        func wait() -> (inputs: String, results: String) {
            ready.wait()
            ready.signal()
            return value!
        }
    }

    /// The results of a scored snapshot and the run as a draft with its figures and, when
    /// `hashed`, its hashes (`execute` works them out beside the inserts instead).
    static func draft(_ snapshot: Snapshot, scored: [SubjectResult]? = nil, now: Int64,
                      hashed: Bool = true) -> (run: EvaluationRunRecord, results: [EvaluationResultRecord]) {
        let builder = ResultBuilder(run: snapshot.run, scheme: snapshot.scheme)
        let results = builder.records(snapshot.inputs, scored ?? score(snapshot), previous: snapshot.previous)
        var grades = [0, 0, 0, 0, 0]
        for r in results { grades[r.noData ? 4 : Int(r.grade) - 1] += 1 }
        var run = snapshot.run
        run.state = RunState.draft.rawValue
        run.phase = "done"
        run.subjectsDone = results.count
        run.subjectsTotal = results.count
        run.personTimes = results.count
        run.grades = grades
        if hashed { (run.inputsSHA256, run.resultsSHA256) = hashes(run: snapshot.run, scheme: snapshot.scheme, snapshot.inputs, snapshot.refs, results) }
        run.finishTime = now
        run.heartbeat = now
        return (run, results)
    }

    /// A run's inputs hash and results hash.
    static func hashes(run: EvaluationRunRecord, scheme: CompiledScheme, _ inputs: [SubjectInput], _ refs: RefTable,
                       _ results: [EvaluationResultRecord]) -> (inputs: String, results: String) {
        (ResultBuilder(run: run, scheme: scheme).inputsHash(inputs, refs), ResultBuilder.resultsHash(results))
    }

    /// Reads a run's inputs: the subjects in scope on the evaluation date with the entries
    /// that can count (in parallel parts of one snapshot), and each one's previous
    /// published result.
    static func snapshot(_ runID: String, _ store: any Store, _ schemes: PublishedSchemes) throws -> Snapshot {
        let (run, scheme) = try store.read { r -> (EvaluationRunRecord, PublishedSchemes.Version?) in
            guard let run = try r.evaluationRun(id: runID) else { throw Stopped(reason: "the run is gone") }
            return (run, try schemes.version(run.schemeVersion, r))
        }
        guard run.state == RunState.running.rawValue else { throw Stopped(reason: "no longer running") }
        guard let scheme, let period = Convert.corePeriod(run.period), let day = Day(run.evaluationDate) else {
            throw StoreError(.failed, "the run's scheme or period cannot be read", detail: "run \(runID)")
        }
        let (path, date, categories) = (run.organizationPath, run.evaluationDate, run.categories)
        let (inputs, refs) = try InputGathering.gather(store, window: ResultBuilder.window(period: period, evaluationDate: day, scheme: scheme.compiled),
                                                       scheme: scheme.compiled) { r in
            try r.evaluationSubjects(underPath: path, on: date, categories: categories)
        }
        var previous: [String: PreviousResult] = [:]
        let before = try period.previous.map { earlier in
            try store.read { r in try r.publishedResults(period: Convert.periodKey(earlier), subjectIDs: inputs.map(\.row.subjectID)) }
        } ?? [:]
        for (id, p) in before { previous[id] = PreviousResult(runID: p.result.runID, total: p.result.total, grade: p.result.grade) }
        return Snapshot(run: run, scheme: scheme.compiled, period: period, inputs: inputs, refs: refs, previous: previous)
    }

    /// Scores every subject, split across the cores.
    static func score(_ s: Snapshot) -> [SubjectResult] {
        let scorer = Scorer(s.scheme)
        let day = Day(s.run.evaluationDate)
        let refs = s.refs, period = s.period
        return Parallel.map(s.inputs) { input in
            scorer.score(input.scoring, entries: refs.scoringEntries(input.entries), period: period, evaluatedOn: day, breakdown: false)
        }
    }

    /// Records the phase and progress (and the heartbeat); stops if the run was cancelled.
    private func progress(_ runID: String, phase: String, done: Int, total: Int?) throws {
        let now = kit.settings.clock.now()
        try kit.store.write { tx in
            guard var run = try tx.evaluationRun(id: runID), run.state == RunState.running.rawValue else {
                throw Stopped(reason: "no longer running")
            }
            run.phase = phase
            run.subjectsDone = done
            if let total { run.subjectsTotal = total }
            run.heartbeat = now
            try tx.updateEvaluationRun(run)
        }
    }

    /// Ends a running run as failed or cancelled, dropping any results.
    private func finish(_ runID: String, state: RunState, reason: String) throws {
        let now = kit.settings.clock.now()
        try kit.store.write { tx in
            guard var run = try tx.evaluationRun(id: runID), run.state == RunState.running.rawValue else { return }
            try tx.deleteEvaluationResults(runID: runID)
            run.state = state.rawValue
            run.endReason = reason
            run.finishTime = now
            try tx.updateEvaluationRun(run)
        }
    }

    /// Marks running runs whose process stopped answering as failed (called on reads, so
    /// whichever process looks first tidies up).
    static func failIfStale(_ run: EvaluationRunRecord, now: Int64, _ tx: any StoreWriter) throws -> EvaluationRunRecord {
        guard run.state == RunState.running.rawValue, now - run.heartbeat > staleAfter else { return run }
        var failed = run
        try tx.deleteEvaluationResults(runID: run.id)
        failed.state = RunState.failed.rawValue
        failed.endReason = "the server running it stopped before it finished; start a new run"
        failed.finishTime = now
        try tx.updateEvaluationRun(failed)
        return failed
    }
}

/// The machine's cores, for splitting CPU work.
enum System {
    static let coreCount: Int = {
        #if os(Linux)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }()
}
