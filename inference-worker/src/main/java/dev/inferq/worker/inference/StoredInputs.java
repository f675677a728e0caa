package dev.inferq.worker.inference;

import dev.inferq.contract.JobId;
import java.util.Optional;

/** Where input bytes sent by reference (images) are kept beside their job. */
public interface StoredInputs {

    /** The job's input bytes; empty when they have expired or were never stored. */
    Optional<byte[]> load(JobId id);
}
