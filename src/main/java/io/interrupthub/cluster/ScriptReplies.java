package io.interrupthub.cluster;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.interrupthub.core.ClusterLink;
import io.interrupthub.core.PauseOutcome;

/**
 * The answers of {@link ClusterScripts} as types, each read in one place: a script's reply is a list by
 * position, and a pause record comes in the same seven fields wherever a script answers one.
 */
final class ScriptReplies {

    private ScriptReplies() {}

    /** {@link ClusterScripts#ANNOUNCE}: the epoch, the live instances, the signal's entry and the pause it found. */
    record Announced(
            long epoch,
            List<String> live,
            String entryId,
            String pauseId,
            PauseOutcome pauseOutcome,
            boolean tookPause,
            ClusterLink.ClusterPause pause) {

        static Announced of(List<?> reply, String hardwareId) {
            String pauseId = emptyToNull(text(reply, 3));
            return new Announced(
                    number(reply, 0),
                    names(reply.get(1)),
                    text(reply, 2),
                    pauseId,
                    pauseId == null ? null : outcome(text(reply, 4)),
                    pauseId != null && number(reply, 5) == 1,
                    pauseId == null ? null : pauseRecord(hardwareId, pauseId, reply, 6, false));
        }
    }

    /** {@link ClusterScripts#PAUSE}: whether this call opened it, and the device's open pause. */
    static ClusterLink.ClusterPause opened(List<?> reply, String hardwareId) {
        return pauseRecord(hardwareId, text(reply, 1), reply, 2, number(reply, 0) == 1);
    }

    /**
     * {@link ClusterScripts#DECIDE}: won (or, for a decision taken alone, signalled although Redis no longer held the
     * pause), lost to an earlier decision, or the pause is unknown to Redis.
     */
    static ClusterLink.PauseVerdict verdict(List<?> reply) {
        long kind = number(reply, 0);
        if (kind == 1 || kind == 3) {
            return ClusterLink.PauseVerdict.WON;
        }
        if (kind == 0) {
            return ClusterLink.PauseVerdict.lost(outcome(text(reply, 1)));
        }
        return ClusterLink.PauseVerdict.LOCAL;
    }

    /** {@link ClusterScripts#ADMIT}: admitted (with the device's epoch), refused at the cap, or a duplicate id. */
    static ClusterLink.Admission admission(List<?> reply) {
        long verdict = number(reply, 0);
        if (verdict == 2) {
            return ClusterLink.Admission.DUPLICATE;
        }
        if (verdict != 1) {
            return ClusterLink.Admission.REFUSED;
        }
        return new ClusterLink.Admission.Admitted(java.util.OptionalLong.of(number(reply, 1)));
    }

    /** A pause signal on the stream, with the same fields as the scripts' replies. */
    static ClusterLink.ClusterPause pauseSignal(Map<String, String> signal) {
        return new ClusterLink.ClusterPause(
                signal.get("hw"),
                signal.get("pause"),
                Long.parseLong(signal.get("epoch")),
                emptyToNull(signal.get("reason")),
                emptyToNull(signal.get("source")),
                Instant.ofEpochMilli(Long.parseLong(signal.get("pausedAt"))),
                Instant.ofEpochMilli(Long.parseLong(signal.get("resumeBy"))),
                false);
    }

    /** A decision as scripts and signals write it ({@link PauseOutcome#tag()}). */
    static PauseOutcome outcome(String tag) {
        return PauseOutcome.valueOf(tag.toUpperCase(Locale.ROOT));
    }

    /** The pause record's epoch, reason, source, pausedAt and resumeBy, from {@code reply[from]} on. */
    private static ClusterLink.ClusterPause pauseRecord(
            String hardwareId, String id, List<?> reply, int from, boolean opened) {
        return new ClusterLink.ClusterPause(
                hardwareId,
                id,
                Long.parseLong(text(reply, from)),
                emptyToNull(text(reply, from + 1)),
                emptyToNull(text(reply, from + 2)),
                Instant.ofEpochMilli(Long.parseLong(text(reply, from + 3))),
                Instant.ofEpochMilli(Long.parseLong(text(reply, from + 4))),
                opened);
    }

    /** Member names of a reply's list (instances), as strings. */
    static List<String> names(Object members) {
        List<String> names = new ArrayList<>();
        if (members instanceof Collection<?> all) {
            for (Object member : all) {
                names.add(String.valueOf(member));
            }
        }
        return List.copyOf(names);
    }

    private static long number(List<?> reply, int index) {
        Object value = reply.get(index);
        return value instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(value));
    }

    private static String text(List<?> reply, int index) {
        return String.valueOf(reply.get(index));
    }

    static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }
}
