package dev.inferq.common.job;

import dev.inferq.contract.JobStatus;
import java.util.List;

/**
 * What the transition scripts are told about a status: {@link JobStatus}'s rule, as plain values. The scripts decide
 * nothing by a status's name, so a status added to {@link JobStatus} needs no Lua change.
 */
record StatusRule(boolean terminal, boolean queued, List<String> predecessors) {

    static StatusRule of(JobStatus status) {
        return new StatusRule(status.isTerminal(), status.isQueued(),
                status.predecessors().stream().map(JobStatus::name).sorted().toList());
    }

    /** The predecessors as the scripts take a set of statuses: each between commas, "," when there is none. */
    String allowed() {
        return listed(predecessors);
    }

    static String listed(List<String> statuses) {
        return "," + String.join(",", statuses) + (statuses.isEmpty() ? "" : ",");
    }
}
