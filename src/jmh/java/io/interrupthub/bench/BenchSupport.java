package io.interrupthub.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.interrupthub.core.InterruptSettings;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;

/** Settings and fixtures shared by the benchmarks and the harness programs. Uses only the public core API. */
final class BenchSupport {

    private BenchSupport() {}

    /**
     * The defaults with the caps raised to {@code sessions} and {@code devices}, and with flags and
     * sessions that outlive any benchmark, so nothing expires or is swept while it is measured.
     */
    static InterruptSettings settings(int sessions, int devices) {
        InterruptSettings d = InterruptSettings.defaults();
        return InterruptSettings.builder()
                .maxActiveSessions(Math.max(sessions, d.maxActiveSessions()))
                .sessionTimeout(Duration.ofHours(1))
                .maxDevices(Math.max(devices, d.maxDevices()))
                .build();
    }

    /** Like {@link #settings(int, int)}, with a flag that stays set for an hour once an interrupt set it. */
    static InterruptSettings longFlags(int sessions, int devices) {
        InterruptSettings s = settings(sessions, devices);
        return s.toBuilder().interruptTimeout(Duration.ofHours(1)).build();
    }

    /** {@code count} distinct, valid hardware ids. */
    static String[] deviceIds(String prefix, int count) {
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = prefix + "-" + i;
        }
        return ids;
    }

    /** Fisher-Yates with a fixed seed, so every run walks the same random order. */
    static void shuffle(Object[] values, long seed) {
        Random random = new Random(seed);
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Object t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** A module whose one action does nothing. */
    static Interruptible noOpModule(String name) {
        List<ModuleAction> actions = List.of(ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> {}));
        return module(name, actions);
    }

    static Interruptible module(String name, List<ModuleAction> actions) {
        List<ModuleAction> copy = new ArrayList<>(actions);
        return new Interruptible() {
            @Override
            public String moduleName() {
                return name;
            }

            @Override
            public List<ModuleAction> actions() {
                return copy;
            }
        };
    }
}
