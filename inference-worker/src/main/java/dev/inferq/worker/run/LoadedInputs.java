package dev.inferq.worker.run;

import dev.inferq.contract.JobId;
import dev.inferq.worker.inference.StoredInputs;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Stored input bytes loaded at most once per job and group: both the cache key and the reader need them. */
final class LoadedInputs implements StoredInputs {

    private final StoredInputs store;
    private final Map<JobId, Optional<byte[]>> loaded = new HashMap<>();

    LoadedInputs(StoredInputs store) {
        this.store = store;
    }

    @Override
    public Optional<byte[]> load(JobId id) {
        return loaded.computeIfAbsent(id, store::load);
    }
}
