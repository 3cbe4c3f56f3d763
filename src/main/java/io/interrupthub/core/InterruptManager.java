package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Coordinates interrupts: per-device epochs and flags, sessions, tentative interrupts, and the fan-out to every
 * module. A façade: {@link InterruptRun} carries out an interrupt, {@link Pauses} a pause, {@link SessionTracker}
 * owns the sessions, {@link Flags} the flags, {@link Events} what leaves the core, and {@link DeviceTable} is the
 * only code that locks a device. An interrupt stops this instance's sessions, fires their handles and sets the
 * flag under the device's lock, then calls the modules and only then tells the cluster: nothing on that path
 * waits for the network. Plain Java; time comes from the injected {@link Clock} and {@link #sweep()} does all
 * time-based reclaiming, so tests drive it with a fake clock instead of sleeping.
 */
public final class InterruptManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(InterruptManager.class.getName());

    private final InterruptSettings settings;
    private final Clock clock;
    private final DeviceTable devices;
    private final Flags flags;
    private final SessionTracker sessions;
    /** Interrupts whose sessions have not all said their output is quiet yet. */
    private final SilenceWatch silences;

    private final ModuleRegistry registry;
    private final FanOut fanOut;
    private final Events events = new Events();
    private final InterruptHistory history;
    private final InterruptStatistics statistics = new InterruptStatistics();
    private volatile ClusterLink link = ClusterLink.LOCAL;
    private final Pauses pauses;
    private final InterruptRun run;
    /** The turn after each interrupt made here. */
    private final RecoveryWatch recoveries;

    private final Speech speech;
    private ScheduledExecutorService sweeper;

    public InterruptManager(InterruptSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public InterruptManager(InterruptSettings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.devices = new DeviceTable(settings.maxDevices());
        this.silences = new SilenceWatch(
                settings.silenceDeadline(), (silence, report) -> events.silenceResolved(silence, report, settings));
        this.sessions = new SessionTracker(devices, clock, settings, events::sessionChanged, silences);
        this.registry = new ModuleRegistry(settings.interruptTimeout());
        this.fanOut = new FanOut(settings.moduleThreads(), settings.moduleQueueCapacity());
        this.history = new InterruptHistory(settings.historySize());
        FlagExpiry flagExpiry = new FlagExpiry(clock, devices, devices::mayBeIdle);
        this.flags = new Flags(settings, clock, devices, flagExpiry, () -> link);
        Core core = new Core(settings, clock, devices, sessions, registry, fanOut, events, () -> link);
        this.pauses =
                new Pauses(core, (hardwareId, pause) -> interrupt(hardwareId, Pauses.EXPIRED_REASON, pause.source()));
        this.recoveries = new RecoveryWatch(
                settings.recoveryDeadline(),
                settings.maxDevices(),
                report -> events.recoveryResolved(report, settings));
        this.run = new InterruptRun(core, silences, history, statistics, pauses, flagExpiry, recoveries);
        this.speech = new Speech(devices, events, clock, this);
    }

    public InterruptSettings settings() {
        return settings;
    }

    /** Starts the background sweep every {@code sweepInterval}; without it, call {@link #sweep()} yourself. */
    public synchronized InterruptManager start() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(FanOut.daemonThreads("interrupt-sweeper-"));
            long period = settings.sweepInterval().toNanos();
            sweeper.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.NANOSECONDS);
            pauses.runOn(sweeper);
            flags.runOn(sweeper);
        }
        return this;
    }

    @Override
    public synchronized void close() {
        flags.runOn(null);
        pauses.runOn(null);
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        fanOut.close();
        events.close();
    }

    // ---- modules, listeners, cluster -----------------------------------------------------------

    /** Registers a module with default settings: enabled, all declared actions, {@code INTERRUPT_TIMEOUT}. */
    public void register(Interruptible module) {
        register(module, ModuleSettings.defaults());
    }

    /** @throws IllegalArgumentException for a bad or duplicate name, or settings naming an action the module lacks */
    public void register(Interruptible module, ModuleSettings moduleSettings) {
        registry.register(module, moduleSettings);
    }

    public boolean unregister(String moduleName) {
        boolean removed = registry.unregister(moduleName);
        if (removed) {
            statistics.forget(moduleName);
        }
        return removed;
    }

    /** Settings for the built-in {@code session_management} module (its only action is {@code interrupt_session}). */
    public void configureSessionManagement(ModuleSettings moduleSettings) {
        registry.configureSessionManagement(moduleSettings);
    }

    /** Every module, the built-in one first. */
    public List<ModuleInfo> modules() {
        return registry.infos();
    }

    /** Joins a cluster: epochs, interrupts, pauses and the session cap are shared through {@code link} from now on. */
    public void attach(ClusterLink link) {
        this.link = Objects.requireNonNull(link, "link");
        sessions.link(link);
    }

    public void addListener(InterruptListener listener) {
        events.add(listener);
    }

    public void removeListener(InterruptListener listener) {
        events.remove(listener);
    }

    // ---- interrupts ----------------------------------------------------------------------------

    public InterruptFuture interrupt(String hardwareId, String reason) {
        return interrupt(hardwareId, reason, null);
    }

    /**
     * Interrupts the device: returns once its sessions here are stopped and the flag set; the future completes when
     * every module (and, in a cluster, every other instance) answered or timed out.
     * @throws InterruptHubException for a bad id or reason, when interrupts are disabled, or at the device cap
     */
    public InterruptFuture interrupt(String hardwareId, String reason, String source) {
        return interrupt(hardwareId, reason, source, EpochClaim.ANNOUNCED);
    }

    private InterruptFuture interrupt(String hardwareId, String reason, String source, EpochClaim claim) {
        String why = reason == null ? "unspecified" : reason;
        return statistics.counting(() -> {
            Requests.requireInterruptible(settings, hardwareId, reason, source);
            return run.local(hardwareId, why, source, claim);
        });
    }

    /** Blocking form of {@link #interrupt(String, String)}; bounded by the largest module timeout. */
    public InterruptResult interruptAndWait(String hardwareId, String reason) {
        return interrupt(hardwareId, reason).join();
    }

    /** Interrupts every device with an open session here (shutdown); in a cluster these stay local. */
    public CompletableFuture<List<InterruptResult>> interruptAll(String reason) {
        List<InterruptFuture> futures = new ArrayList<>();
        for (String hardwareId : sessions.devicesWithOpenSessions()) {
            futures.add(interrupt(hardwareId, reason, "interrupt-all", EpochClaim.LOCAL_ONLY));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Applies an interrupt another instance numbered {@code epoch}: as a local one, unless this device has reached
     * that epoch already (a signal seen twice, or overtaken, changes nothing).
     * @throws InterruptHubException DISABLED when interrupts are switched off on this instance
     */
    public InterruptFuture applyRemote(String hardwareId, long epoch, String reason, String source) {
        return applyRemote(hardwareId, epoch, reason, source, null, null);
    }

    /** As above, for one whose announcement found the device's pause {@code pauseId}, decided {@code pauseOutcome}. */
    public InterruptFuture applyRemote(
            String hardwareId, long epoch, String reason, String source, String pauseId, PauseOutcome pauseOutcome) {
        HardwareIds.require(hardwareId, "hardwareId");
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be positive");
        }
        Requests.requireEnabled(settings);
        ClusterLink.Announcement news =
                pauseId == null ? null : ClusterLink.Announcement.ofSignal(epoch, pauseId, pauseOutcome);
        String why = reason == null ? "unspecified" : reason;
        return run.remote(hardwareId, why, source, new EpochClaim.Remote(epoch, news));
    }

    /**
     * The cluster numbered {@code clusterEpoch} the interrupt applied here as {@code localEpoch}: the device rises to
     * it, and its sessions opened since belong to the cluster's turn.
     */
    public void fence(String hardwareId, long localEpoch, long clusterEpoch) {
        List<Session> rebased = devices.withExistingDevice(
                hardwareId, device -> device.fence(localEpoch, clusterEpoch, devices), List.of());
        rebased.forEach(events::sessionChanged);
    }

    /** Moves the device's epoch up to {@code epoch} without interrupting anything. */
    public void raiseEpoch(String hardwareId, long epoch) {
        fence(hardwareId, epoch, epoch);
    }

    // ---- tentative interrupts ------------------------------------------------------------------

    public PauseResult pause(String hardwareId) {
        return pause(hardwareId, null, null);
    }

    /**
     * A tentative interrupt: the device's sessions become {@code PAUSED} (output held), {@code pause} actions run;
     * within {@code resumeWindow} it is {@link #resume resumed} or confirmed by {@link #interrupt}, else
     * {@code tentativeExpiry} decides. Another pause meanwhile changes nothing. Answers from local state at once.
     * @throws InterruptHubException for a bad id or reason, when interrupts are disabled, or at the device cap
     */
    public PauseResult pause(String hardwareId, String reason, String source) {
        return statistics.counting(() -> {
            Requests.requireInterruptible(settings, hardwareId, reason, source);
            return pauses.pause(hardwareId, reason, source);
        });
    }

    /**
     * Resumes the device's pause (its sessions go on, {@code resume} actions run); returns it ended RESUMED.
     * @throws InterruptHubException CONFLICT when not paused, past its window, or decided elsewhere first
     */
    public Pause resume(String hardwareId) {
        HardwareIds.require(hardwareId, "hardwareId");
        return pauses.resume(hardwareId);
    }

    /** The device's pause while it waits for its decision. */
    public Optional<Pause> currentPause(String hardwareId) {
        HardwareIds.require(hardwareId, "hardwareId");
        return pauses.current(hardwareId);
    }

    /** The open pauses, newest first. */
    public List<Pause> pauses(int limit) {
        return pauses.list(limit);
    }

    /** Applies a pause another instance opened; false when it changed nothing. @throws InterruptHubException at the device cap */
    public boolean applyRemotePause(ClusterLink.ClusterPause pause) {
        HardwareIds.require(pause.hardwareId(), "hardwareId");
        return pauses.applyRemote(pause.hardwareId(), pause);
    }

    /** Applies another instance's decision of the cluster's pause {@code pauseId} (counted there, not here). */
    public void applyRemotePauseDecision(String hardwareId, String pauseId, PauseOutcome outcome) {
        HardwareIds.require(hardwareId, "hardwareId");
        pauses.applyRemoteDecision(hardwareId, pauseId, outcome);
    }

    /** How many pauses ended so; in a cluster each is counted by the one instance that decided it. */
    public long tentativeOutcomes(PauseOutcome outcome) {
        return pauses.count(outcome);
    }

    // ---- speech ------------------------------------------------------------------------------------

    /** The speech policies sessions may name; {@code default} is always among them. */
    public void usePolicies(SpeechPolicies policies) {
        speech.use(policies);
    }

    public SpeechPolicies speechPolicies() {
        return speech.policies();
    }

    /**
     * What a detector heard on the device so far, decided by the device's speech policy and acted on at once: a
     * pause, a resume or an interrupt, as {@link #pause}, {@link #resume} and {@link #interrupt} do them.
     * @throws InterruptHubException INVALID_INPUT for a bad id; as {@link #interrupt} and {@link #pause} throw
     */
    public SpeechOutcome reportSpeech(String hardwareId, SpeechReport report) {
        HardwareIds.require(hardwareId, "hardwareId");
        return speech.hear(hardwareId, Objects.requireNonNull(report, "report"));
    }

    /** Interrupts whose next turn has not delivered yet, within their recovery deadline. */
    public int awaitedRecoveries() {
        return recoveries.awaited();
    }

    // ---- flags ---------------------------------------------------------------------------------

    /**
     * The seed's check for polling loops: one map read and one volatile read. A started manager on the system
     * clock clears flags as they expire, on its sweeper thread, so a set flag is live without reading the clock; it
     * may then read as set for as long as that thread takes to wake, typically well under a millisecond.
     */
    public boolean shouldInterrupt(String hardwareId) {
        return flags.shouldInterrupt(hardwareId);
    }

    public FlagStatus flagStatus(String hardwareId) {
        HardwareIds.require(hardwareId, "hardwareId");
        return flags.status(hardwareId);
    }

    /** Clears the device's flag; idempotent. Sessions already interrupted stay interrupted. */
    public void resetFlag(String hardwareId) {
        HardwareIds.require(hardwareId, "hardwareId");
        flags.reset(hardwareId);
    }

    /** The set flags, newest first, each as {@link #flagStatus} shows it. */
    public List<FlagStatus> flags(int limit) {
        return flags.list(limit);
    }

    public long activeFlags() {
        return flags.active();
    }

    // ---- sessions ------------------------------------------------------------------------------

    /** Opens a session in the device's current turn, clearing its flag. */
    public Session openSession(String hardwareId) {
        return openSession(hardwareId, null, null);
    }

    /**
     * @param sessionId null for a generated UUID
     * @param epoch     null for the current turn; an older epoch gives a session born {@code INTERRUPTED}
     * @throws InterruptHubException at the cap, on a duplicate id, or for an epoch the device has not reached
     */
    public Session openSession(String hardwareId, String sessionId, Long epoch) {
        return sessions.open(hardwareId, sessionId, epoch, false);
    }

    /**
     * As {@link #openSession(String, String, Long)}; with {@code paused}, a session opened while the device is
     * paused is born {@code PAUSED} and goes where the pause goes (otherwise it is active, outside the pause).
     */
    public Session openSession(String hardwareId, String sessionId, Long epoch, boolean paused) {
        return sessions.open(hardwareId, sessionId, epoch, paused);
    }

    /**
     * As {@link #openSession(String, String, Long, boolean)}; a named {@code policy} decides the device's speech.
     * @throws InterruptHubException INVALID_INPUT for a policy no configuration names, before anything is opened
     */
    public Session openSession(String hardwareId, String sessionId, Long epoch, boolean paused, String policy) {
        speech.policies().require(policy);
        Session session = sessions.open(hardwareId, sessionId, epoch, paused);
        speech.chosen(hardwareId, policy);
        return session;
    }

    public Optional<Session> session(String sessionId) {
        return Optional.ofNullable(sessionId == null ? null : sessions.find(sessionId));
    }

    public SessionInfo heartbeat(String sessionId) {
        return sessions.heartbeat(sessionId);
    }

    /** Ends a session normally. @throws InterruptHubException NOT_FOUND when there is no such session */
    public void endSession(String sessionId) {
        sessions.end(sessionId);
    }

    /**
     * Records how far a session's output reached the user (see {@link Delivered}).
     * @throws InterruptHubException NOT_FOUND, or INVALID_INPUT for negative offsets
     */
    public SessionInfo reportDelivered(String sessionId, long textChars, long audioMs) {
        Session session = sessions.require(sessionId);
        session.reportDelivered(textChars, audioMs);
        if (textChars > 0 || audioMs > 0) {
            recoveries.delivered(session, clock.instant());
        }
        return session.info();
    }

    /**
     * The playback edge's stop receipt; given offsets are the final ones (what was heard).
     * @throws InterruptHubException NOT_FOUND; INVALID_INPUT for offsets below 0 or beyond the producer's; CONFLICT
     *     when it already stopped at other offsets
     */
    public SessionInfo stopped(String sessionId, Long textChars, Long audioMs) {
        return sessions.stopped(sessions.require(sessionId), textChars, audioMs);
    }

    /**
     * The point of no return for one side effect of the session's turn (see {@link Session#commit(String)}).
     * @throws InterruptHubException CONFLICT when an interrupt ended the turn first, NOT_FOUND, INVALID_INPUT,
     *     LIMIT_REACHED past the commits cap, UNAVAILABLE when the cluster cannot order it against interrupts now
     */
    public Commit commit(String sessionId, String action) {
        Commit.requireAction(action);
        return sessions.commit(sessions.require(sessionId), action);
    }

    /** Commit decisions, for metrics: committed, refused. */
    public long commits(String outcome) {
        return sessions.commits(outcome);
    }

    /** Sessions newest first, of one device when {@code hardwareId} is given, this instance's and the cluster's. */
    public List<SessionInfo> sessions(String hardwareId, int limit) {
        if (hardwareId != null) {
            HardwareIds.require(hardwareId, "hardwareId");
        }
        return sessions.listWith(link.remoteSessions(hardwareId, limit), hardwareId, limit);
    }

    /** Devices with open sessions here and their epochs, for a cluster link catching up after an outage. */
    public Map<String, Long> openDeviceEpochs() {
        return devices.epochsOf(sessions.devicesWithOpenSessions());
    }

    /** Every device this instance holds state for and its epoch, for a cluster link re-publishing them. */
    public Map<String, Long> deviceEpochs() {
        return devices.epochs();
    }

    /** The sessions open here, oldest first, for a cluster link re-registering them after a failover. */
    public List<SessionInfo> openSessions() {
        return sessions.list(null, Integer.MAX_VALUE).stream()
                .filter(s -> s.state().isOpen())
                .sorted(Comparator.comparing(SessionInfo::createdAt).thenComparing(SessionInfo::sessionId))
                .toList();
    }

    public int activeSessions() {
        return sessions.activeCount();
    }

    // ---- history, statistics, maintenance ------------------------------------------------------

    public List<InterruptResult> history(String hardwareId, int limit) {
        if (hardwareId != null) {
            HardwareIds.require(hardwareId, "hardwareId");
        }
        return history.recent(hardwareId, limit);
    }

    public StatisticsSnapshot statistics() {
        return statistics.snapshot(settings, registry, flags.active(), devices.size(), sessions);
    }

    /** Counts by session event, for metrics: opened, ended, interrupted, expired, rejected. */
    public long sessionEvents(String event) {
        return sessions.events(event);
    }

    /** Interrupt requests by outcome, for metrics: success, failure, coalesced, rejected. */
    public long interruptRequests(String outcome) {
        return statistics.requests(outcome);
    }

    /** Expires silent sessions, removes interrupted ones past their delay, reclaims idle devices. */
    public synchronized void sweep() {
        long now = clock.millis();
        flags.drain(now, true);
        sessions.sweep(now);
        silences.sweep(now);
        recoveries.sweep(java.time.Instant.ofEpochMilli(now));
        pauses.sweep(now);
        devices.reclaimIdle(now);
    }

    /** How many devices hold state now (sessions, a live flag, or a running fan-out). */
    public int trackedDevices() {
        return devices.size();
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "interrupt sweep failed; it runs again next interval", e);
        }
    }
}
