package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.JobStore.ListedJob;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.problems.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/** The parameters of {@code GET /v1/jobs}: the cursor's token, its order, the filters and the limit. */
class JobListQueryTest {

    private static final List<String> MODELS = List.of("disaster", "image", "sentiment");
    private static final String ID = "3q2RRw3aUYxQv9mRr7Yy0g";

    @Test
    void aCursorComesBackFromItsTokenAndTheTokenIsUrlSafe() {
        JobListCursor cursor = new JobListCursor(1_765_123_456_789L, ID);
        String token = cursor.encode();

        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(JobListCursor.decode(token)).isEqualTo(cursor);
        assertThat(JobListCursor.decode(new JobListCursor(0, "_-_-_-_-_-_-_-_-_-_-_-").encode()).createdAtMillis())
                .isZero();
    }

    @Test
    void aTokenThisApiDidNotGiveOutIsA400NamingTheCursor() {
        for (String token : List.of("", "not a token", "%%%", "MTIz", encoded("123"), encoded("123."),
                encoded(".3q2RRw3aUYxQv9mRr7Yy0g"), encoded("-1." + ID), encoded("12a." + ID),
                encoded("1765123456789." + ID + "x"), encoded("1765123456789.3q2RRw3aUYxQv9mRr7Yy0!"),
                encoded("99999999999999999999." + ID), "x".repeat(500))) {
            assertThatThrownBy(() -> JobListCursor.decode(token), token)
                    .isInstanceOfSatisfying(ApiException.class,
                            e -> assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST))
                    .hasMessageContaining("'cursor' must be a next_cursor that GET /v1/jobs answered")
                    .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        }
    }

    @Test
    void entriesAfterACursorAreOlderOrOfTheSameMillisecondWithASmallerId() {
        JobListCursor cursor = new JobListCursor(1000, "BBBBBBBBBBBBBBBBBBBBBB");

        assertThat(cursor.precedes(entry(999, "ZZZZZZZZZZZZZZZZZZZZZZ"))).isTrue();
        assertThat(cursor.precedes(entry(1000, "AAAAAAAAAAAAAAAAAAAAAA"))).isTrue();
        assertThat(cursor.precedes(entry(1000, "BBBBBBBBBBBBBBBBBBBBBB"))).as("its own job").isFalse();
        assertThat(cursor.precedes(entry(1000, "CCCCCCCCCCCCCCCCCCCCCC"))).isFalse();
        assertThat(cursor.precedes(entry(1001, "AAAAAAAAAAAAAAAAAAAAAA"))).isFalse();
    }

    @Test
    void filtersRepeatOrSeparateByCommasAndStatusesTakeAnyCase() {
        JobListQuery query = JobListQuery.parse(null, List.of("sentiment,image", " disaster "),
                List.of("queued", "RUNNING,Failed", ""), null, MODELS);

        assertThat(query.limit()).isEqualTo(20);
        assertThat(query.models()).isEqualTo(Set.of("sentiment", "image", "disaster"));
        assertThat(query.statuses()).isEqualTo(Set.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED));
        assertThat(query.filtered()).isTrue();
        assertThat(query.cursor()).isNull();

        JobListQuery all = JobListQuery.parse("100", null, List.of(), new JobListCursor(5, ID).encode(), MODELS);
        assertThat(all.filtered()).isFalse();
        assertThat(all.limit()).isEqualTo(100);
        assertThat(all.cursor()).isEqualTo(new JobListCursor(5, ID));
    }

    @Test
    void unknownModelsAndStatusesAndLimitsOutOfRangeAre400() {
        expect400(() -> JobListQuery.parse(null, List.of("sentiment,nope"), null, null, MODELS),
                "'model' must name models of GET /v1/models (disaster, image, sentiment); 'nope' is none of them");
        expect400(() -> JobListQuery.parse(null, null, List.of("DONE"), null, MODELS),
                "'status' must name statuses of [QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED]; 'DONE'");
        for (String limit : List.of("0", "101", "-1", "1.5", "", " ", "ten", "1000000000000")) {
            expect400(() -> JobListQuery.parse(limit, null, null, null, MODELS),
                    "'limit' must be a whole number from 1 to 100 (default 20)");
        }
        assertThat(JobListQuery.parse("1", null, null, null, MODELS).limit()).isEqualTo(1);
    }

    private static void expect400(Runnable call, String detail) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST)).hasMessageContaining(detail);
    }

    private static ListedJob entry(long millis, String id) {
        return new ListedJob(new JobId(id), millis);
    }

    private static String encoded(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
