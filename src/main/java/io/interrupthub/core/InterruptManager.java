package io.interrupthub.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Coordinates interrupts: per-device epochs and flags, sessions, and the fan-out to every module.
 *
 * <p>An interrupt of device D, under D's lock: bump the epoch, set the flag, mark D's open sessions
 * {@code INTERRUPTED}. Then, without the lock: run their callbacks, call every enabled module in
 * parallel within its timeout, record the outcome. Interrupts of one device that arrive while its
 * fan-out runs join it (one fan-out, one epoch, every caller gets the result) unless a session opened
 * in between: that is a new turn, which gets an interrupt of its own.
 *
 * <p>Plain Java; time comes from the injected {@link Clock}, and {@link #sweep()} does all
 * time-based reclaiming, so tests drive it with a fake clock instead of sleeping.
 */
public final class InterruptManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(InterruptManager.class.getName());
    private static final int MAX_REASON_LENGTH = 256;
    private static final int CALLBACK_THREADS = 4;
    private static final int CALLBACK_QUEUE = 10_000;

    private final InterruptSettings settings;
    private final Clock clock;
    private final DeviceTable devices;
    /** {@link DeviceTable#flagsByDevice()}, held here (as the concrete type: no type check) for the poll. */
    private final ConcurrentHashMap<String, Device.Flag> flags;

    private final SessionTracker sessions;
    /** Interrupts whose sessions have not all said their output is quiet yet. */
    private final SilenceWatch silences;

    private final ModuleRegistry registry;
    private final FanOut fanOut;
    /** Session callbacks run here, apart from modules, so a blocking callback cannot starve either. */
    private final ThreadPoolExecutor callbacks;

    private final InterruptHistory history;
    private final InterruptStatistics statistics = new InterruptStatistics();
    private final List<InterruptListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ClusterLink link = ClusterLink.LOCAL;
    private final FlagExpiry flagExpiry;
    /** The system clock, whose time a timer thread can wait for; an injected clock is read on every check. */
    private final boolean systemClock;
    /** Set while {@link #flagExpiry} clears flags on time, so a set flag is live without a clock read. */
    private volatile boolean flagsClearedOnTime;

    private ScheduledExecutorService sweeper;
    /** Tentative interrupts: pauses, their resumes and expiries. */
    private final Pauses pauses;

    public InterruptManager(InterruptSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public InterruptManager(InterruptSettings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.devices = new DeviceTable(settings.maxDevices());
        this.flags = devices.flagsByDevice();
        this.silences = new SilenceWatch(settings.silenceDeadline(), this::silenceResolved);
        this.sessions = new SessionTracker(devices, clock, settings, this::publishSession, silences);
        this.registry = new ModuleRegistry(settings.interruptTimeout());
        this.fanOut = new FanOut(settings.moduleThreads(), settings.moduleQueueCapacity());
        this.callbacks = new ThreadPoolExecutor(
                CALLBACK_THREADS,
                CALLBACK_THREADS,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(CALLBACK_QUEUE),
                FanOut.daemonThreads("interrupt-callback-"));
        this.callbacks.allowCoreThreadTimeOut(true);
        this.history = new InterruptHistory(settings.historySize());
        this.flagExpiry = new FlagExpiry(clock, devices, devices::mayBeIdle);
        this.systemClock = clock.getClass() == Clock.systemUTC().getClass();
        this.pauses = new Pauses(new Pauses.Parts(
                devices,
                sessions,
                registry,
                fanOut,
                callbacks,
                clock,
                settings,
                this::publishSession,
                this::publishPaused,
                this::publishPauseEnded,
                (hardwareId, pause) -> interrupt(hardwareId, Pauses.EXPIRED_REASON, pause.source()),
                () -> link));
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
            if (systemClock) {
                flagExpiry.drain(clock.millis(), true);
                flagExpiry.runOn(sweeper);
                flagsClearedOnTime = true;
            }
        }
        return this;
    }

    @Override
    public synchronized void close() {
        flagsClearedOnTime = false;
        flagExpiry.runOn(null);
        pauses.runOn(null);
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        fanOut.close();
        callbacks.shutdownNow();
    }

    // ---- modules -------------------------------------------------------------------------------

    /** Registers a module with default settings: enabled, all declared actions, {@code INTERRUPT_TIMEOUT}. */
    public void register(Interruptible module) {
        register(module, ModuleSettings.defaults());
    }

    /**
     * @throws IllegalArgumentException for a bad or duplicate name, or settings naming an action the module lacks
     */
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

    /** Joins a cluster: epochs, interrupts and the session cap are shared through {@code link} from now on. */
    public void attach(ClusterLink link) {
        this.link = Objects.requireNonNull(link, "link");
        sessions.link(link);
    }

    public void addListener(InterruptListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(InterruptListener listener) {
        listeners.remove(listener);
    }

    // ---- interrupts ----------------------------------------------------------------------------

    public InterruptFuture interrupt(String hardwareId, String reason) {
        return interrupt(hardwareId, reason, null);
    }

    /**
     * Interrupts the device. Returns at once; the future completes when every module has answered or
     * timed out, so it never takes longer than the largest module timeout.
     *
     * @throws InterruptHubException for a bad id or reason, when interrupts are disabled, or at the device cap
     */
    public InterruptFuture interrupt(String hardwareId, String reason, String source) {
        return interrupt(hardwareId, reason, source, NEW_EPOCH);
    }

    private InterruptFuture interrupt(String hardwareId, String reason, String source, long epochRule) {
        requireInterruptible(hardwareId, reason, source);
        long startNanos = System.nanoTime();
        Instant now = clock.instant();
        String why = reason == null ? "unspecified" : reason;
        // Announced before the device lock is taken: a slow Redis must not hold up others waiting on it.
        ClusterLink cluster = link;
        ClusterLink.Announcement announced = epochRule == NEW_EPOCH && cluster != ClusterLink.LOCAL
                ? cluster.announce(hardwareId, devices.currentEpoch(hardwareId), why, source, now)
                : null;
        Launch launch;
        try {
            launch = devices.withDevice(hardwareId, device -> begin(device, why, source, now, epochRule, announced));
        } catch (InterruptHubException e) {
            statistics.rejected.increment();
            throw e;
        }
        flagExpiry.drain(now.toEpochMilli(), false);
        return follow(launch, startNanos);
    }

    /** Checks what an interrupt or a pause is asked with; a refusal counts as a rejected interrupt. */
    private void requireInterruptible(String hardwareId, String reason, String source) {
        try {
            HardwareIds.require(hardwareId, "hardwareId");
            checkText(reason, "reason");
            checkText(source, "source");
            if (!settings.enabled()) {
                throw new InterruptHubException(
                        InterruptHubException.Kind.DISABLED,
                        "interrupts are switched off (GLOBAL_INTERRUPT_ENABLED=false)");
            }
        } catch (InterruptHubException e) {
            statistics.rejected.increment();
            throw e;
        }
    }

    // ---- tentative interrupts ------------------------------------------------------------------

    public PauseResult pause(String hardwareId) {
        return pause(hardwareId, null, null);
    }

    /**
     * A tentative interrupt: the device's open sessions become {@code PAUSED} (their output is held, not
     * dropped), modules that declare {@code pause} are called, listeners hear {@link InterruptListener#paused}.
     * The epoch and the flag stay as they are. Within {@code resumeWindow} it is {@link #resume resumed}, or
     * confirmed by {@link #interrupt}; when the window ends with neither, {@code tentativeExpiry} decides.
     * While it lasts, another pause changes nothing and extends nothing.
     *
     * @throws InterruptHubException for a bad id or reason, when interrupts are disabled, or at the device cap
     */
    public PauseResult pause(String hardwareId, String reason, String source) {
        requireInterruptible(hardwareId, reason, source);
        try {
            return pauses.pause(hardwareId, reason, source);
        } catch (InterruptHubException e) {
            statistics.rejected.increment();
            throw e;
        }
    }

    /**
     * Resumes the device's pause: its sessions go on ({@code ACTIVE}), modules that declare {@code resume}
     * are called. Returns the pause, ended {@link PauseOutcome#RESUMED}.
     *
     * @throws InterruptHubException CONFLICT when the device is not paused or its window has ended
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

    /**
     * Applies a pause another instance of the cluster opened: this instance's open sessions of the device
     * are held too ({@code PAUSED}), its listeners hear of it and its modules' {@code pause} actions are
     * called. Returns false when it changed nothing (paused already, or ended here already by a later
     * interrupt).
     *
     * @throws InterruptHubException at the device cap
     */
    public boolean applyRemotePause(ClusterLink.ClusterPause pause) {
        HardwareIds.require(pause.hardwareId(), "hardwareId");
        return pauses.applyRemote(pause.hardwareId(), pause);
    }

    /**
     * Applies what another instance decided about the cluster's pause {@code pauseId}: resumed, so the
     * sessions held here go on, or becoming an interrupt on expiry, whose signal follows. Not counted here.
     */
    public void applyRemotePauseDecision(String hardwareId, String pauseId, PauseOutcome outcome) {
        HardwareIds.require(hardwareId, "hardwareId");
        pauses.applyRemoteDecision(hardwareId, pauseId, outcome);
    }

    /**
     * How many pauses ended so, for metrics: the false-interruption rate is resumed over all. In a cluster
     * each pause is counted by the one instance that decided it, so the sum over the instances is the pauses.
     */
    public long tentativeOutcomes(PauseOutcome outcome) {
        return pauses.count(outcome);
    }

    /**
     * Applies an interrupt that another instance of the cluster issued with {@code epoch}: sessions of
     * older epochs are interrupted and modules called, as for a local interrupt, unless this device
     * has already reached that epoch (a signal seen twice, or overtaken, changes nothing).
     *
     * @throws InterruptHubException DISABLED when interrupts are switched off on this instance
     */
    public InterruptFuture applyRemote(String hardwareId, long epoch, String reason, String source) {
        return applyRemote(hardwareId, epoch, reason, source, null, null);
    }

    /**
     * As {@link #applyRemote(String, long, String, String)}, for an interrupt whose announcement found the
     * device's cluster-wide pause {@code pauseId} (decided then as {@code pauseOutcome}, by it or earlier):
     * that pause ends here too, as decided, and is counted by the instance that decided it.
     */
    public InterruptFuture applyRemote(
            String hardwareId, long epoch, String reason, String source, String pauseId, PauseOutcome pauseOutcome) {
        HardwareIds.require(hardwareId, "hardwareId");
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be positive");
        }
        if (!settings.enabled()) {
            // Switched off here: nothing changes, not even the flag a poll would see.
            throw new InterruptHubException(
                    InterruptHubException.Kind.DISABLED,
                    "interrupts are switched off (GLOBAL_INTERRUPT_ENABLED=false)");
        }
        long startNanos = System.nanoTime();
        Instant now = clock.instant();
        String why = reason == null ? "unspecified" : reason;
        InterruptCause cause = new InterruptCause(hardwareId, epoch, why, source, now);
        ClusterLink.Announcement news = pauseId == null
                ? null
                : new ClusterLink.Announcement(epoch, ClusterLink.Announcement.NO_PEERS, pauseId, pauseOutcome, false);
        List<SessionTracker.Reached> stale = new ArrayList<>();
        InterruptSilence[] staleSilence = {null};
        OpenPause[] staleEnded = {null};
        List<SessionTracker.Held> staleHeld = new ArrayList<>();
        Launch launch = devices.withDevice(hardwareId, device -> {
            if (device.epoch < epoch) {
                return begin(device, why, source, now, epoch, news);
            }
            // A pause opened before this interrupt was numbered ends with it here too; sessions of the new
            // turn it still holds (born paused after this instance learned the epoch) go on.
            staleEnded[0] = pauses.takeForInterrupt(device, epoch, pauseId);
            // The device is already there: a session here learned the epoch first, or it was numbered here
            // during an outage. Sessions of older turns are left to stop, and the modules, unless they
            // were already called for this epoch here.
            ModuleRegistry.Registered builtIn = registry.sessionManagement();
            long t0 = System.nanoTime();
            if (builtIn.enabled()) {
                stale.addAll(sessions.interruptLocked(device, cause, true));
            }
            if (staleEnded[0] != null) {
                staleHeld.addAll(sessions.resumeLocked(device));
            }
            if (device.fannedOut >= epoch) {
                staleSilence[0] = silences.begin(cause, marked(stale));
                return null;
            }
            ModuleResult sessionModule = builtIn.enabled()
                    ? ModuleResult.ok(builtIn.name(), System.nanoTime() - t0)
                    : ModuleResult.disabled(builtIn.name());
            return launchModules(device, cause, List.copyOf(stale), sessionModule, ClusterLink.Announcement.NO_PEERS);
        });
        flagExpiry.drain(now.toEpochMilli(), false);
        if (staleEnded[0] != null) {
            Pause ended = pauses.confirmed(staleEnded[0], now, news, false);
            pauses.released(staleHeld, ended != null ? ended : staleEnded[0].snapshot);
        }
        if (launch != null) {
            return follow(launch, startNanos);
        }
        afterMarking(stale);
        InterruptFuture seen = new InterruptFuture(hardwareId, epoch, staleSilence[0].outcome());
        seen.complete(new InterruptResult(
                        hardwareId,
                        epoch,
                        true,
                        why,
                        source,
                        stale.size(),
                        Durations.millis(System.nanoTime() - startNanos),
                        now,
                        List.of(),
                        List.of())
                .withSilence(staleSilence[0].report())
                .withCommitted(committedBy(stale)));
        return seen;
    }

    /**
     * Moves the device's epoch up to {@code epoch} without interrupting anything: the cluster numbered
     * an interrupt this instance already applied under a lower local epoch.
     */
    public void raiseEpoch(String hardwareId, long epoch) {
        devices.withExistingDevice(
                hardwareId,
                device -> {
                    device.epoch = Math.max(device.epoch, epoch);
                    return null;
                },
                null);
    }

    private InterruptFuture follow(Launch launch, long startNanos) {
        InterruptFuture mine =
                new InterruptFuture(launch.cause.hardwareId(), launch.cause.epoch(), launch.silence.outcome());
        Pause followed = pauses.confirmed(launch.pause, launch.cause.at(), launch.news, launch.local);
        if (launch.joined) {
            statistics.coalesced.increment();
        } else {
            publishStarted(launch);
            afterMarking(launch.reached);
            runModules(launch, startNanos, followed);
        }
        launch.shared.whenComplete((result, error) -> {
            if (error != null) {
                mine.completeExceptionally(error);
            } else {
                mine.complete(result);
            }
        });
        return mine;
    }

    /** Blocking form of {@link #interrupt(String, String)}; bounded by the largest module timeout. */
    public InterruptResult interruptAndWait(String hardwareId, String reason) {
        return interrupt(hardwareId, reason).join();
    }

    /**
     * Interrupts every device that has an open session here, e.g. on shutdown. In a cluster these stay
     * local: other instances' sessions of the same devices have nothing to do with this one stopping.
     */
    public CompletableFuture<List<InterruptResult>> interruptAll(String reason) {
        List<InterruptFuture> futures = new ArrayList<>();
        for (String hardwareId : sessions.devicesWithOpenSessions()) {
            futures.add(interrupt(hardwareId, reason, "interrupt-all", LOCAL_EPOCH));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
    }

    private record Launch(
            CompletableFuture<InterruptResult> shared,
            InterruptCause cause,
            boolean joined,
            List<SessionTracker.Reached> reached,
            ModuleResult sessionModule,
            CompletableFuture<List<InstanceOutcome>> peers,
            InterruptSilence silence,
            OpenPause pause,
            ClusterLink.Announcement news,
            boolean local) {

        /**
         * With the pause it took (or null) and what the cluster said of the device's pause: the announcement
         * of an interrupt made here ({@code local}), or the signal of one from another instance.
         */
        Launch confirming(OpenPause confirmed, ClusterLink.Announcement news, boolean local) {
            return new Launch(shared, cause, joined, reached, sessionModule, peers, silence, confirmed, news, local);
        }
    }

    /** A new epoch claimed through the cluster link (one process: the next local one). */
    private static final long NEW_EPOCH = -1;
    /** The next local epoch, not announced to the cluster. */
    private static final long LOCAL_EPOCH = -2;

    /**
     * Under the device lock. {@code givenEpoch} is {@link #NEW_EPOCH} (with the cluster's
     * {@code announced} epoch, null in one process), {@link #LOCAL_EPOCH}, or a remote interrupt's epoch,
     * above the device's.
     */
    private Launch begin(
            Device device,
            String reason,
            String source,
            Instant now,
            long givenEpoch,
            ClusterLink.Announcement announced) {
        long nowMillis = now.toEpochMilli();
        long expiresAt = nowMillis + settings.interruptTimeout().toMillis();
        if (device.inFlight != null && !device.inFlight.isDone() && !device.openedSinceInterrupt) {
            if (givenEpoch > 0) {
                device.epoch = givenEpoch;
            } else if (announced != null) {
                device.epoch = Math.max(device.epoch, announced.epoch());
            }
            Device.Flag flag = new Device.Flag(device.epoch, nowMillis, expiresAt);
            devices.setFlag(device, flag);
            flagExpiry.added(device, flag);
            return new Launch(
                    device.inFlight,
                    new InterruptCause(device.hardwareId, device.epoch, reason, source, now),
                    true,
                    List.of(),
                    null,
                    null,
                    device.silence,
                    pauses.takeForInterrupt(
                            device,
                            givenEpoch > 0 ? givenEpoch : announced != null ? announced.epoch() : Long.MAX_VALUE,
                            pauseIdOf(announced)),
                    announced,
                    givenEpoch <= 0);
        }
        CompletableFuture<List<InstanceOutcome>> peers = ClusterLink.Announcement.NO_PEERS;
        long epoch;
        if (givenEpoch == NEW_EPOCH && announced != null && announced.epoch() <= device.epoch) {
            // Overtaken while announcing: another instance's newer interrupt was applied here meanwhile.
            // This one keeps the cluster's number (issued once) and reaches what is older than it; the
            // device's epoch, flag and turn stay as the newer interrupt left them.
            InterruptCause cause = new InterruptCause(device.hardwareId, announced.epoch(), reason, source, now);
            ModuleRegistry.Registered builtIn = registry.sessionManagement();
            long t0 = System.nanoTime();
            List<SessionTracker.Reached> reached =
                    builtIn.enabled() ? sessions.interruptLocked(device, cause, false) : List.of();
            ModuleResult sessionModule = builtIn.enabled()
                    ? ModuleResult.ok(builtIn.name(), System.nanoTime() - t0)
                    : ModuleResult.disabled(builtIn.name());
            return launchModules(device, cause, reached, sessionModule, announced.peers())
                    .confirming(null, announced, true);
        }
        if (givenEpoch == NEW_EPOCH) {
            epoch = announced == null ? device.epoch + 1 : Math.max(announced.epoch(), device.epoch + 1);
            if (announced != null) {
                peers = announced.peers();
            }
        } else if (givenEpoch == LOCAL_EPOCH) {
            epoch = Math.max(link.claim(device.hardwareId, device.epoch), device.epoch + 1);
        } else {
            epoch = givenEpoch;
        }
        device.epoch = epoch;
        // Taken before the sessions are marked: a commit waiting on the pause then finds them interrupted.
        // Only a pause opened before this epoch was numbered: one the cluster recorded after it is the new turn's.
        OpenPause confirmed = pauses.takeForInterrupt(device, epoch, pauseIdOf(announced));
        Device.Flag flag = new Device.Flag(epoch, nowMillis, expiresAt);
        devices.setFlag(device, flag);
        flagExpiry.added(device, flag);
        device.openedSinceInterrupt = false;
        InterruptCause cause = new InterruptCause(device.hardwareId, epoch, reason, source, now);
        ModuleRegistry.Registered builtIn = registry.sessionManagement();
        List<SessionTracker.Reached> reached = List.of();
        ModuleResult sessionModule;
        if (builtIn.enabled()) {
            long t0 = System.nanoTime();
            reached = sessions.interruptLocked(device, cause, givenEpoch > 0);
            sessionModule = ModuleResult.ok(builtIn.name(), System.nanoTime() - t0);
        } else {
            sessionModule = ModuleResult.disabled(builtIn.name());
        }
        return launchModules(device, cause, reached, sessionModule, peers)
                .confirming(confirmed, announced, givenEpoch <= 0);
    }

    private static String pauseIdOf(ClusterLink.Announcement announced) {
        return announced == null ? null : announced.pauseId();
    }

    /**
     * Under the device lock: the fan-out of {@code cause}'s epoch, which later interrupts may join, and the
     * silence it awaits from the sessions it marked.
     */
    private Launch launchModules(
            Device device,
            InterruptCause cause,
            List<SessionTracker.Reached> reached,
            ModuleResult sessionModule,
            CompletableFuture<List<InstanceOutcome>> peers) {
        CompletableFuture<InterruptResult> shared = new CompletableFuture<>();
        device.inFlight = shared;
        device.fannedOut = Math.max(device.fannedOut, cause.epoch());
        InterruptSilence silence = silences.begin(cause, marked(reached));
        device.silence = silence;
        return new Launch(shared, cause, false, reached, sessionModule, peers, silence, null, null, true);
    }

    private static List<Session> marked(List<SessionTracker.Reached> reached) {
        return reached.stream().map(SessionTracker.Reached::session).toList();
    }

    /** Side effects the marked sessions committed; none can be added once an interrupt reached them. */
    private static List<Commit> committedBy(List<SessionTracker.Reached> reached) {
        return committedBy(reached, List.of());
    }

    /** ... and those the other instances' sessions committed, as they acknowledged the interrupt. */
    private static List<Commit> committedBy(List<SessionTracker.Reached> reached, List<InstanceOutcome> instances) {
        List<Commit> committed = new ArrayList<>(0);
        for (SessionTracker.Reached r : reached) {
            committed.addAll(r.session().commits());
        }
        for (InstanceOutcome instance : instances) {
            committed.addAll(instance.committed());
        }
        return committed;
    }

    private void publishStarted(Launch launch) {
        if (listeners.isEmpty()) {
            return;
        }
        List<String> sessionIds =
                launch.reached.stream().map(r -> r.session().sessionId()).toList();
        for (InterruptListener listener : listeners) {
            try {
                listener.interruptStarted(launch.cause, sessionIds);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "interrupt listener failed", e);
            }
        }
    }

    private void afterMarking(List<SessionTracker.Reached> reached) {
        for (SessionTracker.Reached r : reached) {
            publishSession(r.session());
            if (!r.callbacks().isEmpty()) {
                InterruptCause cause = r.session().interruptCause().orElseThrow();
                try {
                    callbacks.execute(() -> Session.runAll(r.callbacks(), cause));
                } catch (RejectedExecutionException saturated) {
                    // Never inline: a blocking callback must not block the interrupt. The session's flag is
                    // already set, so a loop that polls isInterrupted() still stops.
                    LOG.log(
                            Level.WARNING,
                            "interrupt callbacks of session " + r.session().sessionId() + " dropped: " + CALLBACK_QUEUE
                                    + " callbacks are already waiting");
                }
            }
        }
        sessions.trimLingering();
    }

    private void runModules(Launch launch, long startNanos, Pause followed) {
        List<ModuleRegistry.Registered> modules = registry.modules();
        List<CompletableFuture<ModuleResult>> calls = new ArrayList<>(modules.size());
        for (ModuleRegistry.Registered module : modules) {
            calls.add(fanOut.call(module, launch.cause));
        }
        CompletableFuture<Void> local = CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
        // The peers' future is completed by the link within its timeout, so this never waits longer.
        CompletableFuture.allOf(local, launch.peers.exceptionally(error -> List.of()))
                .whenComplete((ignored, error) -> {
                    List<ModuleResult> results = new ArrayList<>(calls.size() + 1);
                    results.add(launch.sessionModule);
                    calls.forEach(call -> results.add(call.join()));
                    List<InstanceOutcome> instances =
                            launch.peers.isCompletedExceptionally() ? List.of() : launch.peers.join();
                    boolean success = results.stream()
                                    .allMatch(r -> r.outcome() != ModuleOutcome.FAILED
                                            && r.outcome() != ModuleOutcome.TIMED_OUT)
                            && instances.stream().allMatch(i -> i.acknowledged() && i.success());
                    int sessionsInterrupted = launch.reached.size()
                            + instances.stream()
                                    .mapToInt(InstanceOutcome::sessionsInterrupted)
                                    .sum();
                    long nanos = System.nanoTime() - startNanos;
                    InterruptCause cause = launch.cause;
                    List<SessionDelivery> delivered = launch.reached.stream()
                            .map(r -> {
                                Delivered d = r.session().deliveredAtInterrupt().orElse(Delivered.NONE);
                                return new SessionDelivery(r.session().sessionId(), d.textChars(), d.audioMs());
                            })
                            .toList();
                    InterruptResult completed = new InterruptResult(
                                    cause.hardwareId(),
                                    cause.epoch(),
                                    success,
                                    cause.reason(),
                                    cause.source(),
                                    sessionsInterrupted,
                                    Durations.millis(nanos),
                                    cause.at(),
                                    results,
                                    delivered,
                                    instances)
                            .withCommitted(committedBy(launch.reached, instances))
                            .withFollowedPause(followed);
                    statistics.record(completed, nanos);
                    InterruptResult result = launch.silence.record(
                            completed,
                            history::add,
                            change -> history.update(cause.hardwareId(), cause.epoch(), change));
                    for (InterruptListener listener : listeners) {
                        try {
                            listener.interruptCompleted(result);
                        } catch (RuntimeException e) {
                            LOG.log(Level.WARNING, "interrupt listener failed", e);
                        }
                    }
                    launch.shared.complete(result);
                    forgetFanOut(cause.hardwareId(), launch.shared);
                });
    }

    /**
     * A finished fan-out is only a join target while it runs; kept on the device it would hold the whole
     * result (modules, deliveries, reason) for as long as the device lives, which is as long as it has a
     * session. Completed first, so an interrupt arriving in between sees a done future, as before.
     */
    private void forgetFanOut(String hardwareId, CompletableFuture<InterruptResult> finished) {
        devices.withExistingDevice(
                hardwareId,
                device -> {
                    if (device.inFlight == finished) {
                        device.inFlight = null;
                        device.silence = null;
                    }
                    return null;
                },
                null);
    }

    /**
     * A silence resolved: listeners hear of it, a missed one names its stuck speakers in the log, once
     * per interrupt, and whoever waits on {@link InterruptFuture#silence()} is told last.
     */
    private void silenceResolved(InterruptSilence silence, SilenceReport report) {
        if (report.state() == SilenceState.MISSED) {
            LOG.log(
                    Level.WARNING,
                    "silence missed: device " + report.hardwareId() + " epoch " + report.epoch()
                            + ", no stop receipt within " + Durations.seconds(settings.silenceDeadline())
                            + " from session(s) " + String.join(", ", report.pendingSessions()));
        }
        for (InterruptListener listener : listeners) {
            try {
                listener.silenceResolved(report);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "silence listener failed", e);
            }
        }
        silence.announce(report);
    }

    private static void checkText(String text, String field) {
        if (text == null) {
            return;
        }
        if (text.length() > MAX_REASON_LENGTH) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.INVALID_INPUT,
                    field + " must be at most " + MAX_REASON_LENGTH + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw new InterruptHubException(
                        InterruptHubException.Kind.INVALID_INPUT, field + " must not contain control characters");
            }
        }
    }

    // ---- flags ---------------------------------------------------------------------------------

    /**
     * The seed's check for polling loops: one map read and one volatile read. A started manager on the
     * system clock clears flags as they expire, on its sweeper thread, so a set flag is live without reading
     * the clock (that read would cost several times the rest); it may then read as set for as long as that
     * thread takes to wake, typically well under a millisecond. Otherwise the check compares with the clock.
     */
    public boolean shouldInterrupt(String hardwareId) {
        if (hardwareId == null) {
            return false;
        }
        // No enabled check: with interrupts switched off no flag is ever set, so the lookup finds none.
        Device.Flag flag = flags.get(hardwareId);
        return flag != null && (flagsClearedOnTime || flag.activeAt(clock.millis()));
    }

    public FlagStatus flagStatus(String hardwareId) {
        HardwareIds.require(hardwareId, "hardwareId");
        long checkMs = settings.checkInterval().toMillis();
        Device.Flag flag = devices.flag(hardwareId);
        long epoch = devices.get(hardwareId) != null
                ? devices.currentEpoch(hardwareId)
                : link.epoch(hardwareId).orElseGet(() -> devices.currentEpoch(hardwareId));
        if (flag == null || !flag.activeAt(clock.millis()) || !settings.enabled()) {
            return new FlagStatus(hardwareId, false, epoch, null, null, checkMs);
        }
        return new FlagStatus(
                hardwareId,
                true,
                epoch,
                Instant.ofEpochMilli(flag.setAtMillis()),
                Instant.ofEpochMilli(flag.expiresAtMillis()),
                checkMs);
    }

    /** Clears the device's flag; idempotent. Sessions already interrupted stay interrupted. */
    public void resetFlag(String hardwareId) {
        HardwareIds.require(hardwareId, "hardwareId");
        devices.withExistingDevice(
                hardwareId,
                device -> {
                    devices.setFlag(device, null);
                    return null;
                },
                null);
    }

    /** The set flags, newest first, each as {@link #flagStatus} shows it. */
    public List<FlagStatus> flags(int limit) {
        long now = clock.millis();
        long checkMs = settings.checkInterval().toMillis();
        if (!settings.enabled()) {
            return List.of();
        }
        return flags.entrySet().stream()
                .filter(e -> e.getValue().activeAt(now))
                .sorted(Comparator.comparingLong((Map.Entry<String, Device.Flag> e) ->
                                e.getValue().setAtMillis())
                        .reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(limit)
                .map(e -> new FlagStatus(
                        e.getKey(),
                        true,
                        e.getValue().epoch(),
                        Instant.ofEpochMilli(e.getValue().setAtMillis()),
                        Instant.ofEpochMilli(e.getValue().expiresAtMillis()),
                        checkMs))
                .toList();
    }

    public long activeFlags() {
        long now = clock.millis();
        long count = 0;
        for (Device.Flag flag : devices.flags()) {
            if (flag.activeAt(now)) {
                count++;
            }
        }
        return count;
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
        return session.info();
    }

    /**
     * The playback edge's stop receipt: the session's output is silent. {@code textChars} and
     * {@code audioMs}, when given, are the final offsets (what was heard); an absent one keeps the producer's.
     *
     * @throws InterruptHubException NOT_FOUND; INVALID_INPUT for negative offsets or offsets beyond what the
     *                               producer reported; CONFLICT when it already stopped at other offsets
     */
    public SessionInfo stopped(String sessionId, Long textChars, Long audioMs) {
        Session session = sessions.require(sessionId);
        Delivered finalOffsets = null;
        if (textChars != null || audioMs != null) {
            Delivered reported = session.delivered();
            finalOffsets = new Delivered(
                    textChars == null ? reported.textChars() : textChars,
                    audioMs == null ? reported.audioMs() : audioMs);
        }
        SessionInfo info = sessions.stopped(session, finalOffsets);
        if (info == null) {
            throw new InterruptHubException(InterruptHubException.Kind.NOT_FOUND, "no session " + sessionId);
        }
        return info;
    }

    /**
     * The point of no return for one side effect of the session's turn (see {@link Session#commit(String)}).
     *
     * @throws InterruptHubException CONFLICT when an interrupt reached the session first, NOT_FOUND,
     *                               INVALID_INPUT for a malformed action, LIMIT_REACHED past the commits cap
     */
    public Commit commit(String sessionId, String action) {
        Commit.requireAction(action);
        return sessions.commit(sessions.require(sessionId), action);
    }

    /** Commit decisions, for metrics: committed, refused. */
    public long commits(String outcome) {
        return switch (outcome) {
            case "committed" -> sessions.commitsCommitted.sum();
            case "refused" -> sessions.commitsRefused.sum();
            default -> throw new IllegalArgumentException("unknown commit outcome " + outcome);
        };
    }

    /** Sessions newest first, of one device when {@code hardwareId} is given. */
    public List<SessionInfo> sessions(String hardwareId, int limit) {
        if (hardwareId != null) {
            HardwareIds.require(hardwareId, "hardwareId");
        }
        List<SessionInfo> local = sessions.list(hardwareId, limit);
        List<SessionInfo> remote = link.remoteSessions(hardwareId, limit);
        if (remote.isEmpty()) {
            return local;
        }
        Set<String> ids = new HashSet<>();
        local.forEach(s -> ids.add(s.sessionId()));
        return Stream.concat(local.stream(), remote.stream().filter(s -> ids.add(s.sessionId())))
                .sorted(Comparator.comparing(SessionInfo::createdAt).reversed().thenComparing(SessionInfo::sessionId))
                .limit(limit)
                .toList();
    }

    /** Devices with open sessions here and their epochs, for a cluster link catching up after an outage. */
    public Map<String, Long> openDeviceEpochs() {
        Map<String, Long> epochs = new HashMap<>();
        for (String hardwareId : sessions.devicesWithOpenSessions()) {
            epochs.put(hardwareId, devices.currentEpoch(hardwareId));
        }
        return epochs;
    }

    /**
     * Every device this instance holds state for and its epoch, for a cluster link re-publishing them
     * to a Redis that lost them (a failover to a replica that had not received the last writes).
     */
    public Map<String, Long> deviceEpochs() {
        return devices.epochs();
    }

    /** The sessions open here (ACTIVE), oldest first, for a cluster link re-registering them after the same. */
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
        List<StatisticsSnapshot.ModuleStats> modules = registry.infos().stream()
                .map(m -> new StatisticsSnapshot.ModuleStats(
                        m.module(),
                        m.enabled(),
                        m.actions(),
                        statistics.moduleCount(m.module(), ModuleOutcome.OK),
                        statistics.moduleCount(m.module(), ModuleOutcome.FAILED),
                        statistics.moduleCount(m.module(), ModuleOutcome.TIMED_OUT),
                        statistics.moduleCount(m.module(), ModuleOutcome.DISABLED)))
                .toList();
        return new StatisticsSnapshot(
                settings.enabled(),
                new StatisticsSnapshot.Interrupts(
                        statistics.total(),
                        statistics.succeeded.sum(),
                        statistics.failed.sum(),
                        statistics.coalesced.sum(),
                        statistics.rejected.sum()),
                modules,
                new StatisticsSnapshot.Flags(activeFlags(), devices.size()),
                new StatisticsSnapshot.Sessions(
                        sessions.activeCount(),
                        settings.maxActiveSessions(),
                        sessions.lingeringCount(),
                        sessions.opened.sum(),
                        sessions.ended.sum(),
                        sessions.interrupted.sum(),
                        sessions.expired.sum(),
                        sessions.rejected.sum()),
                statistics.latency());
    }

    /** Counts by session event, for metrics: opened, ended, interrupted, expired, rejected. */
    public long sessionEvents(String event) {
        return switch (event) {
            case "opened" -> sessions.opened.sum();
            case "ended" -> sessions.ended.sum();
            case "interrupted" -> sessions.interrupted.sum();
            case "expired" -> sessions.expired.sum();
            case "rejected" -> sessions.rejected.sum();
            default -> throw new IllegalArgumentException("unknown session event " + event);
        };
    }

    /** Interrupt requests by outcome, for metrics: success, failure, coalesced, rejected. */
    public long interruptRequests(String outcome) {
        return switch (outcome) {
            case "success" -> statistics.succeeded.sum();
            case "failure" -> statistics.failed.sum();
            case "coalesced" -> statistics.coalesced.sum();
            case "rejected" -> statistics.rejected.sum();
            default -> throw new IllegalArgumentException("unknown interrupt outcome " + outcome);
        };
    }

    /** Expires silent sessions, removes interrupted ones past their delay, reclaims idle devices. */
    public synchronized void sweep() {
        long now = clock.millis();
        flagExpiry.drain(now, true);
        sessions.sweep(now);
        silences.sweep(now);
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

    private void publishPaused(Pause pause) {
        for (InterruptListener listener : listeners) {
            try {
                listener.paused(pause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "pause listener failed", e);
            }
        }
    }

    private void publishPauseEnded(Pause pause) {
        for (InterruptListener listener : listeners) {
            try {
                listener.pauseEnded(pause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "pause listener failed", e);
            }
        }
    }

    private void publishSession(Session session) {
        if (listeners.isEmpty()) {
            return; // no SessionInfo to build
        }
        SessionInfo info = session.info();
        for (InterruptListener listener : listeners) {
            try {
                listener.sessionChanged(info);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "session listener failed", e);
            }
        }
    }
}
