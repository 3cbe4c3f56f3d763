package io.interrupthub.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.Session;

/**
 * Retained heap per open session: used heap after a full GC, before and after opening N sessions, one
 * per device (so each session also carries its device's state: the worst case). Run it with
 * {@code -Xmx1g} to check that 1M sessions fit a 1 GiB heap. The baseline is the physical floor of the
 * same index: a {@link ConcurrentHashMap} from N random-UUID session ids to N hardware ids.
 *
 * <p>Then one turn later: the first T devices (all by default) are interrupted once, their interrupted
 * sessions ended and the next turn's sessions opened, so the table holds N open sessions again, and the
 * heap is measured again. What grows in between is state an interrupt leaves behind per device.
 *
 * Usage: {@code HeapPerSession <sessions> <out.json> [<devices to turn>]}.
 */
public final class HeapPerSession {

    private HeapPerSession() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path out = Path.of(args.length > 1 ? args[1] : "heap.json");
        int turns = args.length > 2 ? Integer.parseInt(args[2]) : n;
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("sessions", n);
        root.put("maxHeapBytes", Runtime.getRuntime().maxMemory());

        Session[] sessions = new Session[n];
        long before = usedAfterGc();
        InterruptManager manager = new InterruptManager(BenchSupport.settings(n, n));
        int opened = 0;
        long t0 = System.nanoTime();
        try {
            for (; opened < n; opened++) {
                sessions[opened] = manager.openSession("device-" + opened);
            }
            root.put("fits", true);
        } catch (OutOfMemoryError e) {
            root.put("fits", false);
        }
        root.put("opened", opened);
        root.put("openSeconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        long after = usedAfterGc();
        root.put("activeSessions", manager.activeSessions());
        root.put("usedHeapBytes", after);
        root.put("bytesPerSession", opened == 0 ? 0 : (after - before) / opened);

        // One turn later: each device interrupted once, its next session open.
        int turned = 0;
        t0 = System.nanoTime();
        try {
            for (; turned < Math.min(opened, turns); turned++) {
                Session old = sessions[turned];
                manager.interruptAndWait(old.hardwareId(), "heap");
                manager.endSession(old.sessionId());
                sessions[turned] = manager.openSession(old.hardwareId());
            }
            root.put("fitsAfterTurn", true);
        } catch (OutOfMemoryError e) {
            root.put("fitsAfterTurn", false);
        }
        root.put("turned", turned);
        root.put("turnSeconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        long afterTurn = usedAfterGc();
        root.put("activeSessionsAfterTurn", manager.activeSessions());
        root.put("usedHeapBytesAfterTurn", afterTurn);
        root.put("bytesLeftPerInterruptedDevice", turned == 0 ? 0 : (afterTurn - after) / turned);
        root.put("bytesPerSessionAfterTurn", opened == 0 ? 0 : (afterTurn - before) / opened);
        Reference.reachabilityFence(manager);
        Reference.reachabilityFence(sessions);
        manager.close();
        manager = null;
        sessions = null;

        // The baseline's bytes per entry hardly depend on the count: 250k entries are enough and quicker.
        int entries = Math.min(opened, 250_000);
        long baseBefore = usedAfterGc();
        ConcurrentHashMap<String, String> index = new ConcurrentHashMap<>();
        for (int i = 0; i < entries; i++) {
            index.put(UUID.randomUUID().toString(), "device-" + i);
        }
        long baseAfter = usedAfterGc();
        Reference.reachabilityFence(index);
        root.put("baselineEntries", entries);
        root.put("baselineBytesPerEntry", entries == 0 ? 0 : (baseAfter - baseBefore) / entries);
        Stats.write(out, root);
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
