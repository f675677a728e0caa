package dev.inferq.worker.inference;

import dev.inferq.contract.JobRequest;
import java.util.List;

/**
 * Turns a job's input into what its model takes, one item per expected prediction.
 *
 * @param <I> the model's input type
 */
public interface InputReader<I> {

    /**
     * Reads {@code request}'s input, loading bytes sent by reference from {@code stored}.
     *
     * @throws InvalidInputException when this model cannot classify the job's input
     */
    List<I> read(JobRequest request, StoredInputs stored);

    /**
     * What {@code request}'s input is, as bytes, for the response cache: jobs with equal content get equal
     * predictions from this model. Read before {@link #read}, which may then load the same stored bytes again.
     *
     * @throws InvalidInputException when this model cannot classify the job's input
     */
    byte[] content(JobRequest request, StoredInputs stored);

    /**
     * Whether {@link #read} costs enough to be done ahead, for the next batch while the current one's forward pass
     * runs: decoding and resizing an image does, copying texts out of the message does not.
     */
    default boolean readsAhead() {
        return false;
    }
}
