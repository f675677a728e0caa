package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobStatus;
import dev.inferq.testsupport.RandomInputs;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of SSE resumption ({@code Last-Event-ID}): any header value parses, to a status rank or to "from the
 * start", without an exception; and every id the gateway writes reads back as where it left off. Seeded tries
 * ({@link RandomInputs#cases}).
 */
class LastEventIdRandomInputsTest {

    static Stream<?> anyValue() {
        return RandomInputs.cases(1000, random -> switch (random.nextInt(4)) {
            case 0 -> RandomInputs.headerText(random, random.nextInt(30));
            case 1 -> status(random).name() + ":" + RandomInputs.number(random);
            case 2 -> status(random).name() + RandomInputs.headerText(random, 5);
            default -> " " + status(random).name().toLowerCase() + ":" + RandomInputs.headerText(random, 8);
        });
    }

    static Stream<?> writtenIds() {
        return RandomInputs.cases(300, random -> {
            JobStatus status = status(random);
            return status == JobStatus.QUEUED && random.nextBoolean()
                    ? status.name() + ":" + Math.floorMod(random.nextLong(), Long.MAX_VALUE) : status.name();
        });
    }

    @ParameterizedTest
    @MethodSource("anyValue")
    void anyValueParsesWithoutAnException(String lastEventId) {
        JobEventStream.Resume resume = JobEventStream.Resume.parse(lastEventId);
        int[] ranks = Arrays.stream(JobStatus.values()).mapToInt(JobStatus::rank).toArray();
        assertThat(resume.reachedRank() == -1 || Arrays.stream(ranks).anyMatch(r -> r == resume.reachedRank()))
                .as("rank %d", resume.reachedRank()).isTrue();
        if (resume.queuePosition() != null) {
            assertThat(lastEventId.strip()).startsWith("QUEUED:");
        }
    }

    @ParameterizedTest
    @MethodSource("writtenIds")
    void everyIdTheGatewayWritesReadsBack(String id) {
        JobEventStream.Resume resume = JobEventStream.Resume.parse(id);
        JobStatus status = JobStatus.valueOf(id.split(":")[0]);
        if (status == JobStatus.QUEUED) {
            assertThat(resume.reachedRank()).isEqualTo(-1);
            assertThat(resume.queuePosition()).isEqualTo(id.contains(":") ? Long.valueOf(id.split(":")[1]) : null);
        } else {
            assertThat(resume.reachedRank()).isEqualTo(status.rank());
        }
    }

    private static JobStatus status(Random random) {
        return JobStatus.values()[random.nextInt(JobStatus.values().length)];
    }
}
