package dev.inferq.worker.run;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.StoredInputs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a group's computations: reads each one's input (ahead, where {@link InputPrefetch} did), lets the crash hook
 * look at it, classifies them all together ({@link BatchedInference}) and ends every job. An input that cannot be
 * read, or that the model failed on, cannot succeed on a retry either: it fails the computation's jobs, which share
 * that input, with the reason.
 *
 * @param <I> the model's input type
 */
final class ForwardPasses<I> {

    private final InputPrefetch<I> reading;
    private final BatchedInference<I> inference;
    private final CrashHook crashHook;
    private final Outcomes outcomes;
    private final JobTracing tracing;

    ForwardPasses(InputPrefetch<I> reading, BatchedInference<I> inference, CrashHook crashHook, Outcomes outcomes,
            JobTracing tracing) {
        this.reading = reading;
        this.inference = inference;
        this.crashHook = crashHook;
        this.outcomes = outcomes;
        this.tracing = tracing;
    }

    /** Runs {@code computations} and ends their jobs; answers how many ran a forward pass. */
    int run(Batch batch, List<Computation> computations, StoredInputs loaded) {
        List<Task<I>> tasks = new ArrayList<>();
        for (Computation computation : computations) {
            JobRun leader = computation.leader();
            try {
                tasks.add(new Task<>(computation, reading.read(leader.request(), loaded)));
            } catch (InvalidInputException e) {
                computation.members().forEach(member -> outcomes.fail(batch, member, e.code(), e.getMessage()));
            }
        }
        for (Task<I> task : tasks) {
            JobRun leader = task.computation().leader();
            try (JobTracing.Scope scope = tracing.about(batch, leader.delivery())) {
                crashHook.check(leader.request());
            }
        }
        inference.run(tasks);
        Instant finished = Instant.now();
        for (Task<I> task : tasks) {
            if (task.error() == null) {
                task.computation().succeeded(task.predictions(), finished);
            } else {
                task.computation().members().forEach(member -> outcomes.fail(batch, member, ErrorCodes.MODEL_ERROR,
                        task.error()));
            }
        }
        return tasks.size();
    }
}
