package io.interrupthub.core;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One interrupt, from its claim to its result. Under the device's lock: join the fan-out that is running, or
 * start a new turn (number it, set the flag, mark the sessions, take the pause). Then, without any lock: the
 * events and the sessions' callbacks, the modules' fan-out, and only then the cluster's announcement, whose
 * number fences the device and whose peers complete the result every caller of the fan-out shares.
 */
final class InterruptRun {

    /** What an interrupt did under the device's lock, carried out after it. */
    private record Launch(
            CompletableFuture<InterruptResult> shared,
            InterruptCause cause,
            boolean joined,
            List<SessionTracker.Reached> reached,
            ModuleResult sessionModule,
            InterruptSilence silence,
            OpenPause pause,
            long floor,
            EpochClaim claim,
            RecoveryWatch.Awaited recovery,
            RecoveryWatch.Awaited superseded) {}

    private final InterruptSettings settings;
    private final Clock clock;
    private final DeviceTable devices;
    private final SessionTracker sessions;
    private final SilenceWatch silences;
    private final ModuleRegistry registry;
    private final FanOut fanOut;
    private final Events events;
    private final InterruptHistory history;
    private final InterruptStatistics statistics;
    private final Pauses pauses;
    private final FlagExpiry flagExpiry;
    private final RecoveryWatch recoveries;
    private final Supplier<ClusterLink> link;

    InterruptRun(
            Core core,
            SilenceWatch silences,
            InterruptHistory history,
            InterruptStatistics statistics,
            Pauses pauses,
            FlagExpiry flagExpiry,
            RecoveryWatch recoveries) {
        this.settings = core.settings();
        this.clock = core.clock();
        this.devices = core.devices();
        this.sessions = core.sessions();
        this.registry = core.registry();
        this.fanOut = core.fanOut();
        this.events = core.events();
        this.link = core.link();
        this.silences = silences;
        this.history = history;
        this.statistics = statistics;
        this.pauses = pauses;
        this.flagExpiry = flagExpiry;
        this.recoveries = recoveries;
    }

    /** An interrupt made here ({@link EpochClaim#ANNOUNCED} or {@link EpochClaim#LOCAL_ONLY}). */
    InterruptFuture local(String hardwareId, String reason, String source, EpochClaim claim) {
        long startNanos = System.nanoTime();
        Instant now = clock.instant();
        Launch launch = devices.withDevice(hardwareId, device -> begin(device, reason, source, now, claim));
        flagExpiry.drain(now.toEpochMilli(), false);
        return follow(launch, startNanos);
    }

    /**
     * An interrupt another instance numbered {@code claim.epoch()}: a new turn here when the device has not reached
     * it; otherwise only what is older than it is stopped (and the modules called, unless they were for it).
     */
    InterruptFuture remote(String hardwareId, String reason, String source, EpochClaim.Remote claim) {
        long startNanos = System.nanoTime();
        Instant now = clock.instant();
        long epoch = claim.epoch();
        InterruptCause cause = new InterruptCause(hardwareId, epoch, reason, source, now);
        List<SessionTracker.Reached> stale = new ArrayList<>();
        List<SessionTracker.Held> released = new ArrayList<>();
        OpenPause[] ended = {null};
        InterruptSilence[] staleSilence = {null};
        Launch launch = devices.withDevice(hardwareId, device -> {
            if (device.epoch() < epoch) {
                return begin(device, reason, source, now, claim);
            }
            // A pause opened before this interrupt was numbered ends with it here too; sessions of the new turn
            // it still holds (born paused after this instance learned the epoch) go on.
            ended[0] = pauses.takeForInterrupt(device, claim);
            ModuleRegistry.Registered builtIn = registry.sessionManagement();
            long t0 = System.nanoTime();
            if (builtIn.enabled()) {
                stale.addAll(sessions.interruptLocked(device, cause, true));
            }
            if (ended[0] != null) {
                released.addAll(sessions.resumeLocked(device));
            }
            if (device.fannedOut() >= epoch) {
                staleSilence[0] = silences.begin(cause, marked(stale));
                return null;
            }
            ModuleResult sessionModule = builtIn.enabled()
                    ? ModuleResult.ok(builtIn.name(), System.nanoTime() - t0)
                    : ModuleResult.disabled(builtIn.name());
            return launchModules(device, cause, List.copyOf(stale), sessionModule, null, device.epoch(), claim);
        });
        flagExpiry.drain(now.toEpochMilli(), false);
        if (ended[0] != null) {
            Pause decided = pauses.confirmed(ended[0], now, claim.news(), false);
            pauses.released(released, decided != null ? decided : ended[0].snapshot);
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
                        reason,
                        source,
                        stale.size(),
                        Durations.millis(System.nanoTime() - startNanos),
                        now,
                        List.of(),
                        List.of())
                .withSilence(staleSilence[0].report())
                .withCommitted(committedBy(stale, List.of())));
        return seen;
    }

    /** Under the device's lock: joins the running fan-out, or starts a new turn. */
    private Launch begin(Device device, String reason, String source, Instant now, EpochClaim claim) {
        long nowMillis = now.toEpochMilli();
        long expiresAt = nowMillis + settings.interruptTimeout().toMillis();
        long floor = device.epoch();
        CompletableFuture<InterruptResult> running = device.joinableFanOut();
        if (running != null) {
            if (claim instanceof EpochClaim.Remote remote) {
                device.joinedAt(remote.epoch());
            }
            setFlag(device, new Device.Flag(device.epoch(), nowMillis, expiresAt));
            return new Launch(
                    running,
                    new InterruptCause(device.hardwareId, device.epoch(), reason, source, now),
                    true,
                    List.of(),
                    null,
                    device.silence(),
                    pauses.takeForInterrupt(device, claim),
                    floor,
                    claim,
                    null,
                    null);
        }
        long epoch = claim instanceof EpochClaim.Remote remote ? remote.epoch() : device.epoch() + 1;
        device.startTurn(epoch);
        // Taken before the sessions are marked: a commit waiting on the pause then finds them interrupted.
        OpenPause taken = pauses.takeForInterrupt(device, claim);
        setFlag(device, new Device.Flag(epoch, nowMillis, expiresAt));
        InterruptCause cause = new InterruptCause(device.hardwareId, epoch, reason, source, now);
        ModuleRegistry.Registered builtIn = registry.sessionManagement();
        List<SessionTracker.Reached> reached = List.of();
        ModuleResult sessionModule;
        if (builtIn.enabled()) {
            long t0 = System.nanoTime();
            reached = sessions.interruptLocked(device, cause, !claim.local());
            sessionModule = ModuleResult.ok(builtIn.name(), System.nanoTime() - t0);
        } else {
            sessionModule = ModuleResult.disabled(builtIn.name());
        }
        return launchModules(device, cause, reached, sessionModule, taken, floor, claim);
    }

    private void setFlag(Device device, Device.Flag flag) {
        devices.setFlag(device, flag);
        flagExpiry.added(device, flag);
    }

    /** Under the device lock: the fan-out of the cause's epoch, which later interrupts may join. */
    private Launch launchModules(
            Device device,
            InterruptCause cause,
            List<SessionTracker.Reached> reached,
            ModuleResult sessionModule,
            OpenPause pause,
            long floor,
            EpochClaim claim) {
        CompletableFuture<InterruptResult> shared = new CompletableFuture<>();
        InterruptSilence silence = silences.begin(cause, marked(reached));
        device.launched(shared, cause.epoch(), silence);
        // The turn after is watched where the interrupt was made, so a cluster counts it once, and only when it cut a
        // session here: an interrupt of a device that was not speaking has no answer to recover.
        RecoveryWatch.Awaited[] superseded = {null};
        RecoveryWatch.Awaited recovery =
                claim.local() && !reached.isEmpty() ? recoveries.expect(cause, superseded) : null;
        return new Launch(
                shared, cause, false, reached, sessionModule, silence, pause, floor, claim, recovery, superseded[0]);
    }

    /** After the lock: everything local first, then the cluster. */
    private InterruptFuture follow(Launch launch, long startNanos) {
        InterruptCause cause = launch.cause;
        InterruptFuture mine = new InterruptFuture(cause.hardwareId(), cause.epoch(), launch.silence.outcome());
        recoveries.supersede(launch.superseded, cause.at());
        ClusterLink cluster = link.get();
        boolean announced = launch.claim == EpochClaim.ANNOUNCED && cluster != ClusterLink.LOCAL;
        // The cluster decides the pause an announced interrupt took, or tells of one this instance never held; the
        // rest is decided here and now: one process, another instance's signal, or a pause of this instance alone.
        boolean clusterDecides = announced && (launch.pause == null || launch.pause.clusterId() != null);
        CompletableFuture<Pause> followed = null;
        if (!clusterDecides) {
            ClusterLink.Announcement news = launch.claim instanceof EpochClaim.Remote r ? r.news() : null;
            followed = CompletableFuture.completedFuture(
                    pauses.confirmed(launch.pause, cause.at(), news, launch.claim.local()));
        }
        if (launch.joined) {
            statistics.coalesced.increment();
        } else {
            events.interruptStarted(cause, launch.reached);
            afterMarking(launch.reached);
        }
        CompletableFuture<ClusterLink.Announcement> announcement = null;
        if (announced) {
            announcement = cluster.announce(
                    cause.hardwareId(), launch.floor, cause.epoch(), cause.reason(), cause.source(), cause.at());
            if (clusterDecides) {
                followed = announcement.handle((news, error) -> pauses.confirmed(launch.pause, cause.at(), news, true));
            } else {
                // A pause of this instance alone ended here; the announcement may have decided the cluster's too.
                announcement.thenAccept(pauses::countedInCluster);
            }
        } else if (launch.claim == EpochClaim.LOCAL_ONLY) {
            cluster.claimed(cause.hardwareId(), cause.epoch());
        }
        if (!launch.joined) {
            runModules(launch, startNanos, followed, announcement);
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

    private void afterMarking(List<SessionTracker.Reached> reached) {
        for (SessionTracker.Reached r : reached) {
            events.sessionChanged(r.session());
            events.interrupted(r.session(), r.callbacks());
        }
        sessions.trimLingering();
    }

    private void runModules(
            Launch launch,
            long startNanos,
            CompletableFuture<Pause> followed,
            CompletableFuture<ClusterLink.Announcement> announcement) {
        List<ModuleRegistry.Registered> modules = registry.modules();
        List<CompletableFuture<ModuleResult>> calls = new ArrayList<>(modules.size());
        for (ModuleRegistry.Registered module : modules) {
            calls.add(fanOut.call(module, launch.cause));
        }
        // The link completes the announcement within its bound and the peers within the acknowledgement timeout.
        CompletableFuture<List<InstanceOutcome>> peers = announcement == null
                ? ClusterLink.Announcement.NO_PEERS
                : announcement.thenCompose(ClusterLink.Announcement::peers).exceptionally(error -> List.of());
        List<CompletableFuture<?>> awaited = new ArrayList<>(calls);
        awaited.add(peers);
        awaited.add(followed.exceptionally(error -> null));
        CompletableFuture.allOf(awaited.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            ClusterLink.Announcement news = announcement == null ? null : announcement.getNow(null);
            long epoch = news != null && news.heard() ? news.epoch() : launch.cause.epoch();
            launch.silence.renumber(epoch);
            if (launch.recovery != null) {
                launch.recovery.renumber(epoch);
            }
            List<ModuleResult> results = new ArrayList<>(calls.size() + 1);
            results.add(launch.sessionModule);
            calls.forEach(call -> results.add(call.join()));
            complete(launch, epoch, results, peers.join(), followed.getNow(null), System.nanoTime() - startNanos);
        });
    }

    private void complete(
            Launch launch,
            long epoch,
            List<ModuleResult> modules,
            List<InstanceOutcome> instances,
            Pause followed,
            long nanos) {
        InterruptCause cause = launch.cause;
        boolean success = modules.stream()
                        .allMatch(r -> r.outcome() != ModuleOutcome.FAILED && r.outcome() != ModuleOutcome.TIMED_OUT)
                && instances.stream().allMatch(i -> i.acknowledged() && i.success());
        int sessionsInterrupted = launch.reached.size()
                + instances.stream()
                        .mapToInt(InstanceOutcome::sessionsInterrupted)
                        .sum();
        List<SessionDelivery> delivered = launch.reached.stream()
                .map(r -> {
                    Delivered d = r.session().deliveredAtInterrupt().orElse(Delivered.NONE);
                    return new SessionDelivery(r.session().sessionId(), d.textChars(), d.audioMs());
                })
                .toList();
        InterruptResult completed = new InterruptResult(
                        cause.hardwareId(),
                        epoch,
                        success,
                        cause.reason(),
                        cause.source(),
                        sessionsInterrupted,
                        Durations.millis(nanos),
                        cause.at(),
                        modules,
                        delivered,
                        instances)
                .withCommitted(committedBy(launch.reached, instances))
                .withFollowedPause(followed);
        statistics.record(completed, nanos);
        Consumer<UnaryOperator<InterruptResult>> update = change -> history.update(cause.hardwareId(), epoch, change);
        InterruptResult[] kept = {null};
        launch.silence.record(
                completed,
                withSilence -> kept[0] = launch.recovery == null
                        ? keep(withSilence)
                        : launch.recovery.record(withSilence, history::add, update),
                update);
        InterruptResult result = kept[0];
        events.publish(l -> l.interruptCompleted(result), "interrupt");
        launch.shared.complete(result);
        forgetFanOut(cause.hardwareId(), launch.shared);
    }

    private InterruptResult keep(InterruptResult result) {
        history.add(result);
        return result;
    }

    private static List<Session> marked(List<SessionTracker.Reached> reached) {
        return reached.stream().map(SessionTracker.Reached::session).toList();
    }

    /** Side effects the marked sessions committed, and those the other instances' sessions did as they acknowledged. */
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

    /**
     * A finished fan-out is only a join target while it runs; kept on the device it would hold the whole result
     * for as long as the device lives. Completed first, so an interrupt arriving in between sees a done future.
     */
    private void forgetFanOut(String hardwareId, CompletableFuture<InterruptResult> finished) {
        devices.withExistingDevice(hardwareId, device -> device.finished(finished), false);
    }
}
