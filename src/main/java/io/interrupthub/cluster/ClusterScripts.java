package io.interrupthub.cluster;

import java.time.Duration;
import java.util.List;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts that keep the cluster's shared state consistent. Each runs atomically in Redis and
 * takes its time from the server ({@code TIME}), so instances with skewed clocks still agree. Every
 * key a script writes gets an expiry, so Redis holds nothing once the traffic stops.
 */
final class ClusterScripts {

    private ClusterScripts() {}

    private static final String NOW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            """;

    /**
     * Claims the device's next epoch (above the caller's own), sets the flag for the interrupt
     * timeout, takes the decision of the device's open pause (confirmed), appends the signal to the stream
     * and answers the epoch with the live instances, the signal's entry id (so the origin can check after a
     * failover that the new primary has it), and the pause it found: its id, its decision, 1 when this
     * interrupt took it, then its epoch, reason, source, pausedAtMs and resumeByMs ('' and 0 when there is none).
     * KEYS: epoch, flag, stream, instances, pause. ARGV: floor, keyTtlMs, flagTtlMs, maxLen, liveMs,
     * hardwareId, reason, source, origin, interruptId.
     */
    static final RedisScript<List> ANNOUNCE = new DefaultRedisScript<>(NOW + """
            local current = tonumber(redis.call('GET', KEYS[1]) or '0')
            local epoch = math.max(current, tonumber(ARGV[1])) + 1
            redis.call('SET', KEYS[1], epoch, 'PX', ARGV[2])
            redis.call('SET', KEYS[2], epoch, 'PX', ARGV[3])
            local pause = redis.call('HMGET', KEYS[5], 'id', 'outcome', 'epoch', 'reason', 'source', 'pausedAt',
                'resumeBy')
            local pauseId = pause[1] or ''
            local outcome = pause[2] or ''
            local took = 0
            if pause[1] and not pause[2] then
              outcome = 'confirmed'
              took = 1
              redis.call('HSET', KEYS[5], 'outcome', outcome, 'by', ARGV[9])
            end
            local entry = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'type', 'interrupt', 'hw', ARGV[6],
                'epoch', epoch, 'reason', ARGV[7], 'source', ARGV[8], 'origin', ARGV[9], 'id', ARGV[10],
                'pause', pauseId, 'pauseOutcome', outcome)
            redis.call('PEXPIRE', KEYS[3], ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[5]))
            local peers = redis.call('ZRANGE', KEYS[4], 0, -1)
            return {epoch, peers, entry, pauseId, outcome, took, pause[3] or '0', pause[4] or '', pause[5] or '',
                pause[6] or '0', pause[7] or '0'}
            """, List.class);

    /**
     * Opens the device's pause unless one is open (undecided) already: records it (id, the device's cluster
     * epoch, reason, source, window) for the window plus a margin and appends its signal to the stream.
     * Answers {1 opened or 0 already open, id, epoch, reason, source, pausedAtMs, resumeByMs} of the open one.
     * KEYS: pause, epoch, stream. ARGV: id, hardwareId, reason, source, pausedAtMs, resumeByMs, pauseTtlMs,
     * keyTtlMs, maxLen, origin, localEpoch.
     */
    static final RedisScript<List> PAUSE = new DefaultRedisScript<>("""
            local open = redis.call('HMGET', KEYS[1], 'id', 'outcome', 'epoch', 'reason', 'source', 'pausedAt',
                'resumeBy')
            if open[1] and not open[2] then
              return {0, open[1], tonumber(open[3]), open[4], open[5], open[6], open[7]}
            end
            local epoch = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(ARGV[11]))
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'id', ARGV[1], 'epoch', epoch, 'reason', ARGV[3], 'source', ARGV[4],
                'pausedAt', ARGV[5], 'resumeBy', ARGV[6], 'origin', ARGV[10])
            redis.call('PEXPIRE', KEYS[1], ARGV[7])
            redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[9], '*', 'type', 'pause', 'hw', ARGV[2], 'pause', ARGV[1],
                'epoch', epoch, 'reason', ARGV[3], 'source', ARGV[4], 'pausedAt', ARGV[5], 'resumeBy', ARGV[6],
                'origin', ARGV[10])
            redis.call('PEXPIRE', KEYS[3], ARGV[8])
            return {1, ARGV[1], epoch, ARGV[3], ARGV[4], ARGV[5], ARGV[6]}
            """, List.class);

    /**
     * Takes the decision of pause {@code id}: resumed, or expired (resumed or becoming an interrupt). Answers
     * {1, outcome} when this call took it (and its signal is appended), {0, decision} when another took it
     * first, {2, ''} when Redis no longer holds that pause (its record expired, or was lost with a primary). With
     * {@code tell} 1 (a decision this instance already took alone), a pause Redis no longer holds still gets the
     * decision's signal, so instances that hold it learn it; answers {3, outcome} then.
     * KEYS: pause, stream. ARGV: id, outcome, origin, hardwareId, maxLen, keyTtlMs, tell.
     */
    static final RedisScript<List> DECIDE = new DefaultRedisScript<>("""
            local pause = redis.call('HMGET', KEYS[1], 'id', 'outcome')
            if not pause[1] or pause[1] ~= ARGV[1] then
              if ARGV[7] ~= '1' then
                return {2, ''}
              end
              redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'type', 'pause-decided', 'hw', ARGV[4],
                  'pause', ARGV[1], 'outcome', ARGV[2], 'origin', ARGV[3])
              redis.call('PEXPIRE', KEYS[2], ARGV[6])
              return {3, ARGV[2]}
            end
            if pause[2] then
              return {0, pause[2]}
            end
            redis.call('HSET', KEYS[1], 'outcome', ARGV[2], 'by', ARGV[3])
            redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'type', 'pause-decided', 'hw', ARGV[4],
                'pause', ARGV[1], 'outcome', ARGV[2], 'origin', ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            return {1, ARGV[2]}
            """, List.class);

    /** Runs {@link #ANNOUNCE} for one interrupt of a device; its epoch is above {@code floor}. */
    static List<?> announce(
            StringRedisTemplate redis,
            ClusterKeys keys,
            ClusterSettings settings,
            String hardwareId,
            long floor,
            String reason,
            String source,
            String interruptId) {
        return redis.execute(
                ANNOUNCE,
                List.of(
                        keys.epoch(hardwareId),
                        keys.flag(hardwareId),
                        keys.signals(),
                        keys.instances(),
                        keys.pause(hardwareId)),
                Long.toString(floor),
                millis(settings.keyTtl()),
                millis(settings.interruptTimeout()),
                Integer.toString(settings.streamMaxLength()),
                millis(settings.liveness()),
                hardwareId,
                reason == null ? "" : reason,
                source == null ? "" : source,
                settings.instance(),
                interruptId);
    }

    /** A duration as the whole milliseconds a script argument takes, at least 1 (0 would mean "no expiry"). */
    static String millis(Duration duration) {
        return Long.toString(Math.max(1, duration.toMillis()));
    }

    /** Claims the device's next epoch without signalling it. KEYS: epoch. ARGV: floor, keyTtlMs. */
    static final RedisScript<Long> CLAIM = new DefaultRedisScript<>("""
            local epoch = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1])) + 1
            redis.call('SET', KEYS[1], epoch, 'PX', ARGV[2])
            return epoch
            """, Long.class);

    /**
     * Registers this instance as alive and answers the live ones. KEYS: instances. ARGV: instance,
     * liveMs, keyTtlMs.
     */
    static final RedisScript<List> HEARTBEAT = new DefaultRedisScript<>(NOW + """
            redis.call('ZADD', KEYS[1], now, ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return redis.call('ZRANGE', KEYS[1], 0, -1)
            """, List.class);

    /**
     * Takes a cluster-wide session slot unless the cap is reached; silent sessions' slots are freed
     * first. The device's epoch is raised to the caller's if that is higher, so no instance can hold a
     * session of an epoch the cluster has not reached. Answers {1 admitted, 0 at the cap, or 2 for an id
     * an open session already has somewhere; device epoch}.
     * KEYS: sessions, device sessions, session hash, epoch. ARGV: max, sessionId, hardwareId, instance,
     * timeoutMs, localEpoch, keyTtlMs.
     */
    static final RedisScript<List> ADMIT = new DefaultRedisScript<>(NOW + """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            local epoch = tonumber(redis.call('GET', KEYS[4]) or '0')
            if redis.call('ZSCORE', KEYS[1], ARGV[2]) ~= false then
              return {2, epoch}
            end
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
              return {0, epoch}
            end
            if tonumber(ARGV[6]) > epoch then
              epoch = tonumber(ARGV[6])
            end
            redis.call('SET', KEYS[4], epoch, 'PX', ARGV[7])
            local deadline = now + tonumber(ARGV[5])
            redis.call('ZADD', KEYS[1], deadline, ARGV[2])
            redis.call('ZADD', KEYS[2], deadline, ARGV[2])
            redis.call('HSET', KEYS[3], 'hw', ARGV[3], 'instance', ARGV[4], 'state', 'ACTIVE', 'createdAt', now,
                'lastHeartbeatAt', now, 'expiresAt', deadline, 'epoch', epoch)
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            redis.call('PEXPIRE', KEYS[2], ARGV[5])
            redis.call('PEXPIRE', KEYS[3], ARGV[5])
            return {1, epoch}
            """, List.class);

    /** The body both keep a session's slot and record with, and its device's epoch at least the session's. */
    private static final String KEEP_SLOT = """
            local deadline = now + tonumber(ARGV[2])
            redis.call('ZADD', KEYS[1], deadline, ARGV[1])
            redis.call('ZADD', KEYS[2], deadline, ARGV[1])
            redis.call('HSET', KEYS[3], 'hw', ARGV[4], 'instance', ARGV[5], 'state', ARGV[8], 'createdAt', ARGV[6],
                'epoch', ARGV[3], 'lastHeartbeatAt', now, 'expiresAt', deadline)
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            redis.call('PEXPIRE', KEYS[3], ARGV[2])
            local epoch = tonumber(redis.call('GET', KEYS[4]) or '0')
            redis.call('SET', KEYS[4], math.max(epoch, tonumber(ARGV[3])), 'PX', ARGV[7])
            """;

    /**
     * Keeps (or, after an outage, re-creates) a session's slot and record for another session timeout,
     * and keeps the device's epoch at least the session's. A session already released (its record says
     * so) is not brought back: its open event may be written after its interrupt. KEYS: sessions, device sessions, session
     * hash, epoch. ARGV: sessionId, timeoutMs, epoch, hardwareId, instance, createdAtMs, keyTtlMs, state (ACTIVE or
     * PAUSED: both open).
     */
    static final RedisScript<Long> KEEP = new DefaultRedisScript<>(NOW + """
            local state = redis.call('HGET', KEYS[3], 'state')
            if state and state ~= 'ACTIVE' and state ~= 'PAUSED' then
              return 0
            end
            """ + KEEP_SLOT + """
            return 1
            """, Long.class);

    /**
     * {@link #KEEP} for a session the registry may have lost (a failover to a replica that had not
     * received its admission): re-created only if the cluster-wide cap has room, since other instances
     * may have filled the slot meanwhile. Answers 1 kept, 2 re-created, 0 refused at the cap, 3 released
     * already. KEYS, ARGV: as KEEP, then ARGV[9] the cap.
     */
    static final RedisScript<Long> REGISTER = new DefaultRedisScript<>(NOW + """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            local state = redis.call('HGET', KEYS[3], 'state')
            if state and state ~= 'ACTIVE' and state ~= 'PAUSED' then
              return 3
            end
            local present = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if not present and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[9]) then
              return 0
            end
            """ + KEEP_SLOT + """
            if present then
              return 1
            end
            return 2
            """, Long.class);

    /**
     * Raises the device's epoch to at least the given one (an instance catching up after an outage
     * re-publishes what it holds). KEYS: epoch. ARGV: epoch, keyTtlMs.
     */
    static final RedisScript<Long> RAISE = new DefaultRedisScript<>("""
            local epoch = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1]))
            redis.call('SET', KEYS[1], epoch, 'PX', ARGV[2])
            return epoch
            """, Long.class);

    /**
     * Frees a session's slot; its record stays for {@code lingerMs} with its final state, so a late
     * {@link #KEEP} cannot bring it back, or goes at once (a withdrawn admission). KEYS: sessions, device
     * sessions, session hash. ARGV: sessionId, state, lingerMs.
     */
    static final RedisScript<Long> RELEASE = new DefaultRedisScript<>(NOW + """
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            if tonumber(ARGV[3]) > 0 then
              redis.call('HSET', KEYS[3], 'state', ARGV[2], 'interruptedAt', now)
              redis.call('PEXPIRE', KEYS[3], ARGV[3])
            else
              redis.call('DEL', KEYS[3])
            end
            return 1
            """, Long.class);

    /** Answers an interrupt's origin. KEYS: the origin's acknowledgement stream. ARGV: maxLen, ttlMs, then field/value pairs. */
    static final RedisScript<String> ACK = new DefaultRedisScript<>("""
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return id
            """, String.class);
}
