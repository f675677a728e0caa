package dev.inferq.gateway.jobs;

import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * What a native submit answers when its client asked for events ({@code Accept: text/event-stream}): {@code 200} with
 * the new job's event stream, the very events {@code GET /v1/jobs/{id}/events} sends, and the job's link in
 * {@code Location}; so a streaming client needs one exchange per job. A repeat with the same {@code Idempotency-Key}
 * streams the job the first request created.
 *
 * <p>The stream's permit is taken before the job is accepted: a submit over the stream limits is refused (429/503,
 * as the events route refuses) without leaving behind a job that nobody follows. A refusal of the submit itself
 * releases the permit again.
 */
@Component
class SubmitStreams {

    private final JobService jobs;
    private final JobEventStream events;

    SubmitStreams(JobService jobs, JobEventStream events) {
        this.jobs = jobs;
        this.events = events;
    }

    /**
     * Whether the request asks for the job's events: its {@code Accept} names {@code text/event-stream} itself (a
     * wildcard does not count, so clients that accept anything keep getting the 202 they always got).
     */
    static boolean wanted(ServerHttpRequest request) {
        return request.getHeaders().getAccept().stream()
                .anyMatch(type -> MediaType.TEXT_EVENT_STREAM.equalsTypeAndSubtype(type)
                        && type.getQualityValue() > 0);
    }

    /** Accepts {@code submission} and answers its events, or the refusal of either as a problem. */
    Mono<ResponseEntity<Object>> submit(Submission submission) {
        return Mono.fromCallable(() -> events.admit(submission.tenant()))
                .flatMap(permit -> jobs.submit(submission)
                        .doOnError(refused -> permit.close())
                        .doOnCancel(permit::close)
                        .map(job -> ResponseEntity.ok()
                                .location(URI.create("/v1/jobs/" + job.id().value()))
                                .contentType(MediaType.TEXT_EVENT_STREAM)
                                .<Object>body(events.followSubmitted(job.id(), submission.tenant(), permit))));
    }
}
