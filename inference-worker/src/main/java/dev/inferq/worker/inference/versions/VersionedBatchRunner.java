package dev.inferq.worker.inference.versions;

import dev.inferq.contract.JobRequest;
import dev.inferq.worker.run.Batch;
import dev.inferq.worker.run.BatchRunner;
import dev.inferq.worker.run.Delivery;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's runner for a model with versions: one topic carries the jobs of every version, so each batch is
 * split by the version each job runs on ({@link ModelVersionSet#enter}), and each part runs on that version's own
 * runner, made for this consumer the first time the version is met. The versions are held for the whole batch, so
 * none is unloaded under it; a message that is not a job runs with the default version's part, whose runner sends it
 * to the dead letters as before.
 */
public final class VersionedBatchRunner implements BatchRunner {

    private static final Logger log = LoggerFactory.getLogger(VersionedBatchRunner.class);

    private final ModelVersionSet versions;
    private final Function<LoadedVersion, BatchRunner> runnerFactory;
    private final Map<LoadedVersion, BatchRunner> runners = new HashMap<>();

    /** {@code runnerFactory}: this consumer's runner of one loaded version. */
    public VersionedBatchRunner(ModelVersionSet versions, Function<LoadedVersion, BatchRunner> runnerFactory) {
        this.versions = versions;
        this.runnerFactory = runnerFactory;
    }

    @Override
    public void run(Batch batch) {
        inParts(batch, BatchRunner::run);
    }

    @Override
    public void fail(Batch batch, RuntimeException fault) {
        inParts(batch, (runner, part) -> runner.fail(part, fault));
    }

    @Override
    public boolean readsAhead() {
        return versions.readsAhead();
    }

    /** Has each loaded version's runner read its part of {@code next} ahead; parts of versions not loaded wait. */
    @Override
    public void readAhead(Batch next) {
        Map<LoadedVersion, List<Delivery>> parts = new LinkedHashMap<>();
        for (Delivery job : next.jobs()) {
            versions.peek(routed(job)).ifPresent(version -> parts.computeIfAbsent(version, v -> new ArrayList<>())
                    .add(job));
        }
        parts.forEach((version, jobs) -> runner(version).readAhead(next.only(jobs)));
    }

    private void inParts(Batch batch, BiConsumer<BatchRunner, Batch> step) {
        Map<Integer, LoadedVersion> held = new LinkedHashMap<>();
        Map<LoadedVersion, List<Delivery>> parts = new LinkedHashMap<>();
        try {
            for (Delivery job : batch.jobs()) {
                Integer routed = routed(job);
                LoadedVersion version = held.get(routed == null ? -1 : routed);
                if (version == null) {
                    version = versions.enter(routed);
                    if (held.containsValue(version)) {
                        version.exit();
                    }
                    held.put(routed == null ? -1 : routed, version);
                }
                parts.computeIfAbsent(version, v -> new ArrayList<>()).add(job);
            }
            runners.keySet().removeIf(LoadedVersion::isUnloaded);
            parts.forEach((version, jobs) -> step.accept(runner(version), batch.only(jobs)));
        } finally {
            held.values().stream().distinct().forEach(LoadedVersion::exit);
        }
    }

    private BatchRunner runner(LoadedVersion version) {
        return runners.computeIfAbsent(version, runnerFactory);
    }

    /** The version the job was routed to; null when its message names none or is no job. */
    private Integer routed(Delivery job) {
        if (job.isMalformed()) {
            return null;
        }
        JobRequest request = job.request();
        if (request.modelVersion() == null) {
            return null;
        }
        try {
            return Integer.valueOf(request.modelVersion());
        } catch (NumberFormatException e) {
            log.warn("Job {} names model version '{}', which is no version number; it runs on the default",
                    request.id(), request.modelVersion());
            return null;
        }
    }
}
