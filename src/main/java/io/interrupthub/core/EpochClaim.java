package io.interrupthub.core;

/** Where the epoch of an interrupt comes from; decides how it is numbered and who else hears of it. */
sealed interface EpochClaim {

    /** Made here: the next local epoch at once, announced to the cluster after the local stop. */
    EpochClaim ANNOUNCED = new Announced();

    /** Made here and kept here (shutdown): the next local epoch, never announced. */
    EpochClaim LOCAL_ONLY = new LocalOnly();

    /** Whether this instance issued the interrupt (its pause decision is this instance's to count). */
    default boolean local() {
        return !(this instanceof Remote);
    }

    record Announced() implements EpochClaim {}

    record LocalOnly() implements EpochClaim {}

    /**
     * Numbered by another instance, above this device's epoch here; {@code news} is what its signal says of the
     * device's pause in the cluster.
     */
    record Remote(long epoch, ClusterLink.Announcement news) implements EpochClaim {}
}
