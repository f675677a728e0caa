package dev.inferq.common.job;

import dev.inferq.contract.JobRecord;

/**
 * What {@link JobStore#start} did with one job: {@code current} is its record as it was before (null when it has
 * none), {@code deliveries} the starts counted so far when this call counted one (0 when it counted none).
 */
public record StartResult(Kind kind, long deliveries, JobRecord current) {

    public enum Kind {
        /** Counted, and now RUNNING. */
        STARTED,
        /** Counted past the most deliveries, and left as it was: the caller ends it. */
        GIVEN_UP,
        /**
         * Left as it was and not counted: its status is not one it may start from in this call, or (a start that
         * keeps the stored fields) its record is of an older shape, without every field a start writes.
         */
        NOT_STARTED,
        /** No record. */
        MISSING
    }
}
