package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.interrupthub.core.InterruptListener;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.Pause;
import io.interrupthub.core.PauseOutcome;
import io.interrupthub.core.RecoveryOutcome;
import io.interrupthub.core.RecoveryReport;
import io.interrupthub.core.SilenceReport;
import io.interrupthub.core.SilenceState;
import io.interrupthub.core.SpeechOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The contract's metrics. Counters read the manager's own counts (so metrics and {@code /interrupts/stats}
 * never disagree); histograms are fed per interrupt. Tags are bounded: outcome, event, and module
 * names of registered modules; never a device or session.
 */
public final class InterruptMetrics implements MeterBinder, InterruptListener {

    /** From a tenth of a millisecond to the longest sensible module timeout. */
    static final Duration[] BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)
    };

    /** From a quick answer to well past the default recovery deadline (10 s). */
    static final Duration[] RECOVERY_BUCKETS = {
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(1500),
        Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(7),
        Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(30)
    };

    private final InterruptManager manager;
    private final long budgetNanos;
    /** By module name, then by {@link ModuleOutcome#ordinal()}. */
    private final ConcurrentMap<String, AtomicReferenceArray<Timer>> moduleTimers = new ConcurrentHashMap<>();

    private volatile MeterRegistry registry;
    private volatile Timer interruptTimer;
    private volatile Counter budgetMet;
    private volatile Counter budgetMissed;
    private volatile Timer timeToSilence;
    private volatile Counter silenceConfirmed;
    private volatile Counter silenceMissed;
    private volatile Timer pauseDuration;
    private volatile Timer recoveryTime;
    private final ConcurrentMap<String, Counter> speechDecisions = new ConcurrentHashMap<>();
    private final ConcurrentMap<RecoveryOutcome, Counter> recoveries = new ConcurrentHashMap<>();

    public InterruptMetrics(InterruptManager manager) {
        this(manager, Duration.ofMillis(250));
    }

    /** @param budget how long an interrupt may take, end to end, and still count as met */
    public InterruptMetrics(InterruptManager manager, Duration budget) {
        this.manager = manager;
        this.budgetNanos = budget.toNanos();
    }

    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        for (String outcome : List.of("success", "failure", "coalesced", "rejected")) {
            FunctionCounter.builder("interrupt.requests", manager, m -> m.interruptRequests(outcome))
                    .description(
                            "Interrupt requests by outcome: all modules OK, some not OK, joined a running interrupt, refused")
                    .tag("outcome", outcome)
                    .register(meterRegistry);
        }
        for (String event : List.of("opened", "ended", "interrupted", "expired", "rejected")) {
            FunctionCounter.builder("interrupt.sessions", manager, m -> m.sessionEvents(event))
                    .description("Session lifecycle events")
                    .tag("event", event)
                    .register(meterRegistry);
        }
        Gauge.builder("interrupt.flags.active", manager, InterruptManager::activeFlags)
                .description("Devices whose interrupt flag is set and not expired")
                .register(meterRegistry);
        Gauge.builder("interrupt.sessions.active", manager, InterruptManager::activeSessions)
                .description("Open sessions, capped by MAX_ACTIVE_SESSIONS")
                .register(meterRegistry);
        Gauge.builder("interrupt.sessions.max", manager, m -> m.settings().maxActiveSessions())
                .description("The cap on open sessions, MAX_ACTIVE_SESSIONS")
                .register(meterRegistry);
        budgetMet = Counter.builder("interrupt.budget")
                .tag("result", "met")
                .description("Interrupts that finished within the latency budget (interrupt.latency-budget) or not")
                .register(meterRegistry);
        budgetMissed = Counter.builder("interrupt.budget")
                .tag("result", "missed")
                .description("Interrupts that finished within the latency budget (interrupt.latency-budget) or not")
                .register(meterRegistry);
        interruptTimer = Timer.builder("interrupt.duration")
                .description("Time from an interrupt request until every module answered or timed out")
                .serviceLevelObjectives(BUCKETS)
                .register(meterRegistry);
        for (String outcome : List.of("committed", "refused")) {
            FunctionCounter.builder("interrupt.commits", manager, m -> m.commits(outcome))
                    .description(
                            "Side effects that passed the point of no return, or were refused because an interrupt came first")
                    .tag("outcome", outcome)
                    .register(meterRegistry);
        }
        timeToSilence = Timer.builder("interrupt.time.to.silence")
                .description("Time from an interrupt until the last session it marked reported its output silent")
                .serviceLevelObjectives(BUCKETS)
                .register(meterRegistry);
        silenceConfirmed = Counter.builder("interrupt.silence")
                .tag("result", "confirmed")
                .description("Interrupts whose sessions all reported stopped within INTERRUPT_SILENCE_DEADLINE, or not")
                .register(meterRegistry);
        silenceMissed = Counter.builder("interrupt.silence")
                .tag("result", "missed")
                .description("Interrupts whose sessions all reported stopped within INTERRUPT_SILENCE_DEADLINE, or not")
                .register(meterRegistry);
        for (PauseOutcome outcome : PauseOutcome.values()) {
            FunctionCounter.builder("interrupt.tentative", manager, m -> m.tentativeOutcomes(outcome))
                    .description("Tentative interrupts by how their pause ended; resumed over all is the"
                            + " false-interruption rate")
                    .tag("outcome", outcome.tag())
                    .register(meterRegistry);
        }
        Gauge.builder(
                        "interrupt.pauses.open",
                        manager,
                        m -> m.pauses(Integer.MAX_VALUE).size())
                .description("Devices paused by a tentative interrupt now, waiting for a resume or an interrupt")
                .register(meterRegistry);
        pauseDuration = Timer.builder("interrupt.pause.duration")
                .description("How long a tentative interrupt held its device's sessions before it was decided")
                .serviceLevelObjectives(BUCKETS)
                .register(meterRegistry);
        recoveryTime = Timer.builder("interrupt.recovery")
                .description("Time from an interrupt to the first delivery of the device's next turn")
                .serviceLevelObjectives(RECOVERY_BUCKETS)
                .register(meterRegistry);
        for (RecoveryOutcome outcome :
                List.of(RecoveryOutcome.RECOVERED, RecoveryOutcome.MISSED, RecoveryOutcome.SUPERSEDED)) {
            recoveries.put(
                    outcome,
                    Counter.builder("interrupt.recovery.total")
                            .description("Interrupts by what their device's next turn did: delivered within"
                                    + " INTERRUPT_RECOVERY_DEADLINE (recovered), not (missed), or was interrupted first"
                                    + " (superseded)")
                            .tag("outcome", outcome.tag())
                            .register(meterRegistry));
        }
        registry = meterRegistry;
    }

    @Override
    public void speechDecided(SpeechOutcome outcome) {
        MeterRegistry meterRegistry = registry;
        if (meterRegistry == null) {
            return;
        }
        String rule = outcome.rule().tag();
        speechDecisions
                .computeIfAbsent(
                        outcome.decision().name() + '\u0000' + rule + '\u0000' + outcome.policy(),
                        key -> Counter.builder("interrupt.speech.decisions")
                                .description("Reports of speech by what the policy decided, the rule that decided"
                                        + " and the policy")
                                .tag("decision", outcome.decision().name())
                                .tag("rule", rule)
                                .tag("policy", outcome.policy())
                                .register(meterRegistry))
                .increment();
    }

    @Override
    public void recoveryResolved(RecoveryReport recovery) {
        if (registry == null) {
            return;
        }
        Counter counter = recoveries.get(recovery.outcome());
        if (counter != null) {
            counter.increment();
        }
        if (recovery.outcome() == RecoveryOutcome.RECOVERED) {
            recoveryTime.record(nanos(recovery.recoveredMs()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void pauseEnded(Pause pause) {
        if (registry != null) {
            pauseDuration.record(pause.duration(pause.endedAt()));
        }
    }

    @Override
    public void silenceResolved(SilenceReport silence) {
        if (registry == null) {
            return;
        }
        if (silence.state() == SilenceState.CONFIRMED) {
            silenceConfirmed.increment();
            timeToSilence.record(nanos(silence.timeToSilenceMs()), TimeUnit.NANOSECONDS);
        } else if (silence.state() == SilenceState.MISSED) {
            silenceMissed.increment();
        }
    }

    @Override
    public void interruptCompleted(InterruptResult result) {
        MeterRegistry meterRegistry = registry;
        if (meterRegistry == null) {
            return;
        }
        long nanos = nanos(result.durationMs());
        interruptTimer.record(nanos, TimeUnit.NANOSECONDS);
        (nanos <= budgetNanos ? budgetMet : budgetMissed).increment();
        for (ModuleResult module : result.modules()) {
            if (module.outcome() != ModuleOutcome.DISABLED) {
                moduleTimer(meterRegistry, module).record(nanos(module.durationMs()), TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * The module's timer for the outcome, registered once: per interrupt it is a map read by the module's name and
     * an array read by the outcome, with no key built (issue 24).
     */
    private Timer moduleTimer(MeterRegistry meterRegistry, ModuleResult module) {
        AtomicReferenceArray<Timer> byOutcome = moduleTimers.computeIfAbsent(
                module.module(), name -> new AtomicReferenceArray<>(ModuleOutcome.values().length));
        int outcome = module.outcome().ordinal();
        Timer timer = byOutcome.get(outcome);
        if (timer == null) {
            // Micrometer answers a second registration of the same name and tags with the meter it already has.
            timer = Timer.builder("interrupt.module.duration")
                    .description("Time one module took to take an interrupt, by outcome")
                    .tag("module", module.module())
                    .tag("outcome", module.outcome().name())
                    .serviceLevelObjectives(BUCKETS)
                    .register(meterRegistry);
            byOutcome.set(outcome, timer);
        }
        return timer;
    }

    private static long nanos(double millis) {
        return Math.round(millis * 1_000_000);
    }
}
