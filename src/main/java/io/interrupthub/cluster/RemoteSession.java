package io.interrupthub.cluster;

import java.time.Instant;
import java.util.Map;

import io.interrupthub.core.Delivered;
import io.interrupthub.core.SessionInfo;
import io.interrupthub.core.SessionState;

/** A session another instance holds, read back from its record in Redis. */
final class RemoteSession {

    private RemoteSession() {}

    /** Null for this instance's own sessions and for records that expired while being read. */
    static SessionInfo parse(String sessionId, Map<?, ?> record, String self) {
        if (record == null || record.isEmpty() || self.equals(text(record, "instance"))) {
            return null;
        }
        try {
            SessionState state = SessionState.valueOf(text(record, "state"));
            return new SessionInfo(
                    sessionId,
                    text(record, "hw"),
                    state,
                    number(record, "epoch"),
                    instant(record, "createdAt"),
                    instant(record, "lastHeartbeatAt"),
                    instant(record, "expiresAt"),
                    state == SessionState.INTERRUPTED ? instant(record, "interruptedAt") : null,
                    Delivered.NONE);
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    private static String text(Map<?, ?> record, String field) {
        Object value = record.get(field);
        return value == null ? null : value.toString();
    }

    private static long number(Map<?, ?> record, String field) {
        String value = text(record, field);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static Instant instant(Map<?, ?> record, String field) {
        String value = text(record, field);
        return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value));
    }
}
