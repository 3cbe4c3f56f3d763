package io.interrupthub.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.InterruptResult;
import io.interrupthub.core.ModuleAction;
import io.interrupthub.core.ModuleOutcome;
import io.interrupthub.core.ModuleResult;
import io.interrupthub.core.ModuleSettings;

/**
 * Fan-out: N modules that each take 50 ms must finish together in about 50 ms (the physical floor
 * is the slowest module), not N x 50 ms; and one hung module must cost only its own timeout.
 *
 * <p>The hung module ignores the thread interrupt that a timeout sends and sleeps 2 s, the worst
 * case for a pool thread; its timeout is 200 ms, and four 50 ms modules run beside it.
 *
 * Usage: {@code FanOutCheck <repetitions> <out.json>}.
 */
public final class FanOutCheck {

    static final long MODULE_MS = 50;
    static final long HUNG_TIMEOUT_MS = 200;

    private FanOutCheck() {}

    public static void main(String[] args) throws Exception {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path out = Path.of(args.length > 1 ? args[1] : "fan-out.json");
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("moduleMs", MODULE_MS);
        root.put("repetitions", repetitions);
        List<Object> runs = new ArrayList<>();
        for (int n : new int[] {1, 4, 8, 16, 20}) {
            runs.add(run(n, false, repetitions));
        }
        root.put("slowModules", runs);
        root.put("hungModule", run(4, true, repetitions));
        Stats.write(out, root);
    }

    private static Map<String, Object> run(int modules, boolean hung, int repetitions) throws Exception {
        try (InterruptManager manager = new InterruptManager(BenchSupport.settings(100, 100))) {
            for (int i = 0; i < modules; i++) {
                manager.register(BenchSupport.module(
                        "slow_" + i,
                        List.of(ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> Thread.sleep(MODULE_MS)))));
            }
            if (hung) {
                manager.register(
                        BenchSupport.module(
                                "hung", List.of(ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> deafSleep(2000)))),
                        ModuleSettings.withTimeout(Duration.ofMillis(HUNG_TIMEOUT_MS)));
            }
            manager.interruptAndWait("fan-out-warm-up", "warm-up");
            double[] wall = new double[repetitions];
            double[] reported = new double[repetitions];
            boolean allOk = true;
            boolean hungTimedOut = true;
            for (int r = 0; r < repetitions; r++) {
                long t0 = System.nanoTime();
                InterruptResult result = manager.interruptAndWait("fan-out-" + r, "fan-out");
                wall[r] = (System.nanoTime() - t0) / 1e6;
                reported[r] = result.durationMs();
                for (ModuleResult module : result.modules()) {
                    if (module.module().equals("hung")) {
                        hungTimedOut &= module.outcome() == ModuleOutcome.TIMED_OUT;
                    } else {
                        allOk &= module.outcome() == ModuleOutcome.OK;
                    }
                }
            }
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("modules", modules + (hung ? 1 : 0));
            run.put("threads", manager.settings().moduleThreads());
            run.put("medianMs", round(Stats.median(wall)));
            run.put("maxMs", round(java.util.Arrays.stream(wall).max().orElse(0)));
            run.put("reportedMedianMs", round(Stats.median(reported)));
            long waves = (modules + manager.settings().moduleThreads() - 1)
                    / manager.settings().moduleThreads();
            run.put("floorMs", hung ? HUNG_TIMEOUT_MS : MODULE_MS * waves);
            run.put("serialMs", MODULE_MS * modules + (hung ? HUNG_TIMEOUT_MS : 0));
            run.put("modulesOk", allOk);
            if (hung) {
                run.put("hungTimedOut", hungTimedOut);
                run.put("hungTimeoutMs", HUNG_TIMEOUT_MS);
            }
            return run;
        }
    }

    /** Sleeps through thread interrupts, like a module stuck in a call that does not honour them. */
    private static void deafSleep(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException ignored) {
                // deaf on purpose
            }
        }
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
