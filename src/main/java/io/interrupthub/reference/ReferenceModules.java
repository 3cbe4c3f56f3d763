package io.interrupthub.reference;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import org.jspecify.annotations.Nullable;

/**
 * The seed's four backend modules, small but real: each holds per-device work that an interrupt must
 * drop, and the reference stream fills them as it generates, so a test or a newcomer can see that an
 * interrupt empties them.
 */
final class ReferenceModules {

    private ReferenceModules() {}

    /** {@code text_processing}: the text being generated and the chunks waiting to be sent. */
    static final class TextProcessing implements Interruptible {

        private final DeviceState<StringBuilder> buffers;
        private final Map<String, Long> cancelledEpochs = new ConcurrentHashMap<>();

        TextProcessing(int maxDevices) {
            this.buffers = new DeviceState<>(maxDevices);
        }

        @Override
        public String moduleName() {
            return "text_processing";
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(
                    ModuleAction.of(ModuleAction.CANCEL_GENERATION, this::cancel),
                    ModuleAction.of(ModuleAction.CLEAR_BUFFERS, cause -> buffers.remove(cause.hardwareId())));
        }

        private void cancel(InterruptCause cause) {
            cancelledEpochs.merge(cause.hardwareId(), cause.epoch(), Math::max);
            if (cancelledEpochs.size() > 10_000) {
                cancelledEpochs.clear(); // only a view for tests and the console; bounded by clearing
            }
        }

        void buffer(String hardwareId, String text) {
            StringBuilder buffer = buffers.get(hardwareId, id -> new StringBuilder());
            synchronized (buffer) {
                buffer.append(text);
            }
        }

        String buffered(String hardwareId) {
            StringBuilder buffer = buffers.peek(hardwareId);
            if (buffer == null) {
                return "";
            }
            synchronized (buffer) {
                return buffer.toString();
            }
        }

        void done(String hardwareId) {
            buffers.remove(hardwareId);
        }

        @Nullable
        Long cancelledEpoch(String hardwareId) {
            return cancelledEpochs.get(hardwareId);
        }
    }

    /** {@code audio_generation}: milliseconds of audio synthesised ahead of playback. */
    static final class AudioGeneration implements Interruptible {

        private final DeviceState<long[]> queuedMs;
        /** Devices whose playback a tentative interrupt holds: their queued audio is kept, not played. */
        private final DeviceState<Boolean> held;

        AudioGeneration(int maxDevices) {
            this.queuedMs = new DeviceState<>(maxDevices);
            this.held = new DeviceState<>(maxDevices);
        }

        @Override
        public String moduleName() {
            return "audio_generation";
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(
                    ModuleAction.of(ModuleAction.STOP_GENERATION, cause -> {
                        queuedMs.remove(cause.hardwareId());
                        held.remove(cause.hardwareId());
                    }),
                    // A pause holds the queue as it is; only an interrupt empties it.
                    ModuleAction.of(ModuleAction.PAUSE, cause -> held.get(cause.hardwareId(), id -> Boolean.TRUE)),
                    ModuleAction.of(ModuleAction.RESUME, cause -> held.remove(cause.hardwareId())));
        }

        boolean isHeld(String hardwareId) {
            return held.peek(hardwareId) != null;
        }

        void synthesise(String hardwareId, long ms) {
            long[] queued = queuedMs.get(hardwareId, id -> new long[1]);
            synchronized (queued) {
                queued[0] += ms;
            }
        }

        long queued(String hardwareId) {
            long[] queued = queuedMs.peek(hardwareId);
            if (queued == null) {
                return 0;
            }
            synchronized (queued) {
                return queued[0];
            }
        }

        void done(String hardwareId) {
            queuedMs.remove(hardwareId);
            held.remove(hardwareId);
        }
    }

    /**
     * {@code memory}: the conversation per device. Confirmed turns stay; the turn being produced is a
     * draft that an interrupt drops, and the stream then records only what was heard.
     */
    static final class Memory implements Interruptible {

        static final int TURNS_PER_DEVICE = 20;

        private final DeviceState<Deque<String>> turns;
        private final DeviceState<StringBuilder> drafts;

        Memory(int maxDevices) {
            this.turns = new DeviceState<>(maxDevices);
            this.drafts = new DeviceState<>(maxDevices);
        }

        @Override
        public String moduleName() {
            return "memory";
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> drafts.remove(cause.hardwareId())));
        }

        void draft(String hardwareId, String text) {
            StringBuilder draft = drafts.get(hardwareId, id -> new StringBuilder());
            synchronized (draft) {
                draft.append(text);
            }
        }

        String draft(String hardwareId) {
            StringBuilder draft = drafts.peek(hardwareId);
            if (draft == null) {
                return "";
            }
            synchronized (draft) {
                return draft.toString();
            }
        }

        void confirm(String hardwareId, String heard) {
            drafts.remove(hardwareId);
            Deque<String> history = turns.get(hardwareId, id -> new ArrayDeque<>());
            synchronized (history) {
                if (history.size() == TURNS_PER_DEVICE) {
                    history.removeFirst();
                }
                history.addLast(heard);
            }
        }

        List<String> history(String hardwareId) {
            Deque<String> history = turns.peek(hardwareId);
            if (history == null) {
                return List.of();
            }
            synchronized (history) {
                return new ArrayList<>(history);
            }
        }
    }

    /** {@code database}: cached look-ups made for the turn being produced. */
    static final class Database implements Interruptible {

        private final DeviceState<List<String>> cached;

        Database(int maxDevices) {
            this.cached = new DeviceState<>(maxDevices);
        }

        @Override
        public String moduleName() {
            return "database";
        }

        @Override
        public List<ModuleAction> actions() {
            return List.of(ModuleAction.of(ModuleAction.CLEAR_CACHE, cause -> cached.remove(cause.hardwareId())));
        }

        void cache(String hardwareId, String query) {
            List<String> queries = cached.get(hardwareId, id -> new ArrayList<>());
            synchronized (queries) {
                if (queries.size() < 64) {
                    queries.add(query);
                }
            }
        }

        int cachedCount(String hardwareId) {
            List<String> queries = cached.peek(hardwareId);
            if (queries == null) {
                return 0;
            }
            synchronized (queries) {
                return queries.size();
            }
        }
    }
}
