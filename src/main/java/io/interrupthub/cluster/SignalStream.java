package io.interrupthub.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.stream.ByteRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * This instance's reading of the cluster's signal stream and of its own acknowledgement stream, each from
 * the last entry it processed, so a reconnect continues where the instance left off. Used by the reader
 * thread only.
 */
final class SignalStream {

    private static final int READ_BATCH = 256;

    private final StringRedisTemplate redis;
    private final ClusterKeys keys;
    private final String instance;
    private final Duration block;
    private String signalsPosition;
    private String acksPosition = "0-0";

    SignalStream(StringRedisTemplate redis, ClusterKeys keys, String instance, Duration block) {
        this.redis = redis;
        this.keys = keys;
        this.instance = instance;
        this.block = block;
    }

    /** On first connect: signals sent before this instance joined are not for it. */
    void startIfNew() {
        if (signalsPosition == null) {
            signalsPosition = lastId(keys.signals(), "0-0");
        }
    }

    /**
     * After the primary changed: it may lack the last entries this instance already read (replication is
     * asynchronous), and new entries are numbered after its own last one, possibly below this
     * instance's position. Going back to its last entry loses nothing; what is read twice is harmless.
     */
    void rewindTo(StringRedisTemplate primary) {
        signalsPosition = min(signalsPosition, lastIdOf(primary, keys.signals()));
        acksPosition = min(acksPosition, lastIdOf(primary, keys.acks(instance)));
    }

    /** Waits up to the block time for new entries and hands each to its consumer, in order. */
    void read(RedisConnection connection, Consumer<Map<String, String>> onSignal, Consumer<Map<String, String>> onAck) {
        @SuppressWarnings("unchecked")
        List<ByteRecord> records = connection
                .streamCommands()
                .xRead(
                        StreamReadOptions.empty().block(block).count(READ_BATCH),
                        StreamOffset.create(bytes(keys.signals()), ReadOffset.from(signalsPosition)),
                        StreamOffset.create(bytes(keys.acks(instance)), ReadOffset.from(acksPosition)));
        if (records == null) {
            return;
        }
        for (ByteRecord record : records) {
            String stream = new String(record.getStream(), StandardCharsets.UTF_8);
            Map<String, String> fields = new HashMap<>();
            record.getValue()
                    .forEach((k, v) ->
                            fields.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)));
            if (stream.equals(keys.signals())) {
                signalsPosition = record.getId().getValue();
                onSignal.accept(fields);
            } else {
                acksPosition = record.getId().getValue();
                onAck.accept(fields);
            }
        }
    }

    private String lastId(String stream, String ifEmpty) {
        String last = lastIdOf(redis, stream);
        return last == null ? ifEmpty : last;
    }

    private static String lastIdOf(StringRedisTemplate redis, String stream) {
        var last = redis.opsForStream()
                .reverseRange(stream, Range.unbounded(), Limit.limit().count(1));
        return last == null || last.isEmpty() ? null : last.get(0).getId().getValue();
    }

    /** The lower of two entry ids; a missing (empty) stream reads as "0-0". */
    static String min(String position, String last) {
        String other = last == null ? "0-0" : last;
        if (position == null) {
            return other;
        }
        return compare(position, other) <= 0 ? position : other;
    }

    private static int compare(String a, String b) {
        String[] x = a.split("-", 2);
        String[] y = b.split("-", 2);
        int byTime = Long.compareUnsigned(Long.parseUnsignedLong(x[0]), Long.parseUnsignedLong(y[0]));
        return byTime != 0 ? byTime : Long.compareUnsigned(Long.parseUnsignedLong(x[1]), Long.parseUnsignedLong(y[1]));
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
