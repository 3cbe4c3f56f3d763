package io.interrupthub.cluster;

/** Every key the cluster writes, under one namespace so several deployments can share a Redis. */
record ClusterKeys(String namespace) {

    String epoch(String hardwareId) {
        return namespace + ":epoch:" + hardwareId;
    }

    String flag(String hardwareId) {
        return namespace + ":flag:" + hardwareId;
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
}
