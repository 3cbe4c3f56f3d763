package io.interrupthub.cluster;

import java.util.List;

/** Every key the cluster writes, under one namespace so several deployments can share a Redis. */
record ClusterKeys(String namespace) {

    String epoch(String hardwareId) {
        return namespace + ":epoch:" + hardwareId;
    }

    String flag(String hardwareId) {
        return namespace + ":flag:" + hardwareId;
    }

    /** The device's pause (a hash), while it waits for its one decision and a margin after. */
    String pause(String hardwareId) {
        return namespace + ":pause:" + hardwareId;
    }

    String signals() {
        return namespace + ":signals";
    }

    String acks(String instance) {
        return namespace + ":acks:" + instance;
    }

    String instances() {
        return namespace + ":instances";
    }

    String sessions() {
        return namespace + ":sessions";
    }

    String deviceSessions(String hardwareId) {
        return namespace + ":device-sessions:" + hardwareId;
    }

    String session(String sessionId) {
        return namespace + ":session:" + sessionId;
    }

    /**
     * The keys a session's registration touches, in the order the ADMIT, KEEP and REGISTER scripts read them:
     * the cluster's session index, the device's, the session's record and the device's epoch.
     */
    List<String> sessionRecord(String hardwareId, String sessionId) {
        return List.of(sessions(), deviceSessions(hardwareId), session(sessionId), epoch(hardwareId));
    }
}
