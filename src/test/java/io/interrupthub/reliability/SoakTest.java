package io.interrupthub.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.interrupthub.autoconfigure.InterruptMetrics;
import io.interrupthub.core.InterruptHubException;
import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.ModuleSettings;
import io.interrupthub.core.Session;
import io.interrupthub.core.StatisticsSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bounded run of mixed traffic at full speed on the core, with the background sweeper, metrics and
 * modules that are slow or fail now and then, followed by quiet. Device ids rotate through thousands of
 * devices and some sessions are abandoned without an end, so everything that is reclaimed by time is
 * exercised. Afterwards: nothing open, nothing lingering, no flag, no tracked device; every interrupted
 * session's callback fired; heap (after GC) back near where it was after warm-up and flat while the
 * traffic ran; no growing thread count; no meter per device.
 *
 * <p>Length: {@code -Dreliability.soak.seconds} (default 45; 90 for a longer run).
 */
class SoakTest {

    private static final String FAMILY = "soak";
    private static final int WORKERS = 3;
    private static final int MODULE_THREADS = 4;
    private static final long SECONDS = Long.getLong("reliability.soak.seconds", 45);
    private static final long WARMUP_SECONDS = Math.min(10, Math.max(2, SECONDS / 6));
    /** Heap after GC may wander this much (young garbage, JIT, class data); a leak of soak scale is far more. */
    private static final long HEAP_SLACK_BYTES = 48L * 1024 * 1024;

    private static Interruptible module(String name, ModuleAction.Body body) {
        return new Interruptible() {
            @Override
            public String moduleName() {
                return name;
            }

            @Override
            public List<ModuleAction> actions() {
                return List.of(ModuleAction.of(ModuleAction.CLEAR_BUFFERS, body));
            }
        };
    }

    @Test
    void endlessTrafficThenQuietLeavesNothingBehind() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadsBefore = threads.getThreadCount();
        InterruptSettings settings = InterruptSettings.builder()
                .checkInterval(Duration.ofMillis(100))
                .interruptTimeout(Duration.ofMillis(300))
                .cleanupDelay(Duration.ofMillis(200))
                .maxActiveSessions(200)
                .sessionTimeout(Duration.ofSeconds(1))
                .historySize(1000)
                .maxDevices(100_000)
                .maxCallbacksPerSession(64)
                .sweepInterval(Duration.ofMillis(50))
                .moduleThreads(MODULE_THREADS)
                .moduleQueueCapacity(256)
                .build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS, r -> new Thread(r, "soak-worker"));
        Queue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicLong operations = new AtomicLong();
        AtomicLong interrupts = new AtomicLong();
        AtomicLong opens = new AtomicLong();
        AtomicLong abandoned = new AtomicLong();
        AtomicLong callbacksFired = new AtomicLong();
        List<Long> heapSamples = new ArrayList<>();
        int maxThreads = 0;
        int metersAfterWarmup;
        InterruptManager manager = new InterruptManager(settings).start();
        try {
            manager.register(module("fast", cause -> {}), ModuleSettings.withTimeout(Duration.ofMillis(200)));
            manager.register(
                    module("jitter", cause -> Thread.sleep(cause.epoch() % 3)),
                    ModuleSettings.withTimeout(Duration.ofMillis(200)));
            manager.register(
                    module("flaky", cause -> {
                        if (cause.epoch() % 10 == 7) {
                            throw new IllegalStateException("every tenth epoch fails");
                        }
                    }),
                    ModuleSettings.withTimeout(Duration.ofMillis(200)));
            InterruptMetrics metrics = new InterruptMetrics(manager);
            metrics.bindTo(registry);
            manager.addListener(metrics);
            int seriesBeforeTraffic = meterSeries(registry).size();

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                running.add(pool.submit(() -> traffic(
                        manager, worker, end, errors, operations, interrupts, opens, abandoned, callbacksFired)));
            }

            // warm-up, then the baseline; then a sample every few seconds while the traffic runs
            Thread.sleep(TimeUnit.SECONDS.toMillis(WARMUP_SECONDS));
            long baseline = usedHeapAfterGc();
            metersAfterWarmup = meterSeries(registry).size();
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(5_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                maxThreads = Math.max(maxThreads, threads.getThreadCount());
                heapSamples.add(usedHeapAfterGc());
            }
            Watchdog.awaitAll(running, Duration.ofSeconds(60), "soak workers");

            // quiet: no traffic; time and the sweeper must reclaim everything
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> {
                        StatisticsSnapshot stats = manager.statistics();
                        assertThat(manager.activeSessions())
                                .as("open sessions after quiet")
                                .isZero();
                        assertThat(stats.sessions().interruptedPendingRemoval())
                                .as("interrupted sessions pending")
                                .isZero();
                        assertThat(manager.activeFlags())
                                .as("flags after quiet")
                                .isZero();
                        assertThat(manager.trackedDevices())
                                .as("tracked devices after quiet")
                                .isZero();
                    });
            StatisticsSnapshot stats = manager.statistics();
            assertThat(manager.sessions(null, 1000)).isEmpty();
            assertThat(manager.history(null, 1000)).as("history is bounded").hasSizeLessThanOrEqualTo(1000);
            assertThat(errors.stream().distinct().limit(20).toList())
                    .as("errors during the soak (%d)", errors.size())
                    .isEmpty();
            assertThat(stats.sessions().opened())
                    .as("every session ended, expired or was interrupted")
                    .isEqualTo(stats.sessions().ended()
                            + stats.sessions().expired()
                            + stats.sessions().interrupted());
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(callbacksFired.get())
                            .as("one callback per interrupted session, none lost")
                            .isEqualTo(manager.statistics().sessions().interrupted()));
            // Module timers appear lazily, one per (module, outcome), each with its histogram buckets ("le"):
            // bounded by registrations, never by traffic.
            assertThat(meterSeries(registry))
                    .as("meter series (%d after warm-up)", metersAfterWarmup)
                    .hasSizeLessThanOrEqualTo(seriesBeforeTraffic + 4 * 3);
            assertThat(registry.getMeters())
                    .flatExtracting(m -> m.getId().getTags())
                    .noneMatch(tag -> tag.getValue().startsWith("soak-"));

            long after = usedHeapAfterGc();
            long highest = heapSamples.stream().mapToLong(Long::longValue).max().orElse(baseline);
            System.out.printf(
                    "[reliability] soak heap: baseline %d MB, highest while running %d MB, after quiet %d MB, "
                            + "samples %s%n",
                    mb(baseline),
                    mb(highest),
                    mb(after),
                    heapSamples.stream().map(SoakTest::mb).toList());
            assertThat(after)
                    .as("heap after quiet vs baseline %d MB", mb(baseline))
                    .isLessThanOrEqualTo(baseline + HEAP_SLACK_BYTES);
            assertThat(highest)
                    .as("heap while running vs baseline %d MB", mb(baseline))
                    .isLessThanOrEqualTo(baseline + HEAP_SLACK_BYTES);
            assertThat(maxThreads)
                    .as("threads while running, %d before", threadsBefore)
                    .isLessThanOrEqualTo(threadsBefore + WORKERS + MODULE_THREADS + 6);

            Tally.add(FAMILY, "seconds", SECONDS);
            Tally.add(FAMILY, "operations", operations.get());
            Tally.add(FAMILY, "interrupts", interrupts.get());
            Tally.add(FAMILY, "sessions-opened", opens.get());
            Tally.add(FAMILY, "sessions-abandoned", abandoned.get());
            Tally.add(FAMILY, "sessions-expired", stats.sessions().expired());
            Tally.add(
                    FAMILY,
                    "fan-outs",
                    stats.interrupts().succeeded() + stats.interrupts().failed());
        } finally {
            manager.close();
            pool.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(threads.getThreadCount())
                        .as("threads after close, %d before", threadsBefore)
                        .isLessThanOrEqualTo(threadsBefore + 2));
        Tally.print(FAMILY);
    }

    private static void traffic(
            InterruptManager manager,
            int worker,
            long end,
            Queue<String> errors,
            AtomicLong operations,
            AtomicLong interrupts,
            AtomicLong opens,
            AtomicLong abandoned,
            AtomicLong callbacksFired) {
        Random r = new Random(4242 + worker);
        ArrayDeque<Session> mine = new ArrayDeque<>();
        long deviceCounter = worker * 1_000_000L;
        while (System.nanoTime() < end) {
            operations.incrementAndGet();
            int pick = r.nextInt(100);
            try {
                if (pick < 30 || mine.isEmpty()) {
                    String hw = "soak-" + (deviceCounter++ % 5_000) + "-" + worker;
                    Session s = manager.openSession(hw);
                    opens.incrementAndGet();
                    s.onInterrupt(cause -> callbacksFired.incrementAndGet());
                    mine.addLast(s);
                    if (mine.size() > 40) {
                        mine.removeFirst(); // abandoned: never ended, never heartbeated again; must expire
                        abandoned.incrementAndGet();
                    }
                } else if (pick < 45) {
                    manager.heartbeat(pickOne(mine, r).sessionId());
                } else if (pick < 60) {
                    Session s = pickOne(mine, r);
                    mine.remove(s);
                    manager.endSession(s.sessionId());
                } else if (pick < 80) {
                    Session s = pickOne(mine, r);
                    InterruptResult result =
                            manager.interrupt(s.hardwareId(), "soak").get(5, TimeUnit.SECONDS);
                    interrupts.incrementAndGet();
                    if (result.sessionsInterrupted() < 0) {
                        errors.add("negative sessionsInterrupted");
                    }
                    mine.remove(s);
                } else if (pick < 85) {
                    pickOne(mine, r).reportDelivered(r.nextInt(10_000), r.nextInt(10_000));
                } else {
                    Session s = pickOne(mine, r);
                    manager.shouldInterrupt(s.hardwareId());
                    manager.flagStatus(s.hardwareId());
                    manager.sessions(s.hardwareId(), 10);
                    manager.history(null, 5);
                    manager.statistics();
                }
            } catch (InterruptHubException e) {
                if (e.kind() != InterruptHubException.Kind.NOT_FOUND
                        && e.kind() != InterruptHubException.Kind.LIMIT_REACHED) {
                    errors.add(e.kind() + " " + e.getMessage());
                }
                if (e.kind() == InterruptHubException.Kind.NOT_FOUND) {
                    mine.removeIf(s -> manager.session(s.sessionId()).isEmpty());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                errors.add("an interrupt did not complete within 5 s");
            } catch (Exception | Error e) {
                errors.add(ConcurrencyStressTest.describe(e));
            }
        }
    }

    private static Session pickOne(ArrayDeque<Session> sessions, Random r) {
        int index = r.nextInt(sessions.size());
        for (Session s : sessions) {
            if (index-- == 0) {
                return s;
            }
        }
        throw new IllegalStateException("empty");
    }

    /** Meters by name and tags, histogram buckets folded into their timer. */
    private static java.util.Set<String> meterSeries(SimpleMeterRegistry registry) {
        return registry.getMeters().stream()
                .map(m -> m.getId().getName().replace(".histogram", "")
                        + m.getId().getTags().stream()
                                .filter(t -> !t.getKey().equals("le"))
                                .toList())
                .collect(java.util.stream.Collectors.toSet());
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }
}
