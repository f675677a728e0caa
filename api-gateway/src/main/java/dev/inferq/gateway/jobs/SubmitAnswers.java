package dev.inferq.gateway.jobs;

import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.GatewayProperties;
import java.time.Duration;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * What a native submit answers: {@code 202 Accepted} with the job's link, or, when the client sent
 * {@code Prefer: wait=N}, the finished job with {@code 200} if it ends within N seconds (at most
 * {@code inferq.gateway.max-wait}), else the same 202. {@code Preference-Applied} says how long was waited.
 */
@Component
public class SubmitAnswers {

    private final JobEventStream events;
    private final JobViews views;
    private final Duration maxWait;

    public SubmitAnswers(JobEventStream events, JobViews views, GatewayProperties properties) {
        this.events = events;
        this.views = views;
        this.maxWait = properties.maxWait();
    }

    public Mono<ResponseEntity<Object>> answer(JobRecord queued, Preferences preferences) {
        if (preferences.respondAsync() || preferences.waitFor().isEmpty()) {
            return Mono.just(JobAccepted.response(queued));
        }
        Duration wait = preferences.waitFor().get().compareTo(maxWait) > 0 ? maxWait : preferences.waitFor().get();
        String applied = "wait=" + wait.toSeconds();
        return events.terminal(queued)
                .timeout(wait, Mono.empty())
                .flatMap(views::view)
                .map(done -> ResponseEntity.ok().header(Preferences.APPLIED, applied).<Object>body(done))
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    ResponseEntity<Object> accepted = JobAccepted.response(queued);
                    return ResponseEntity.status(accepted.getStatusCode()).headers(accepted.getHeaders())
                            .header(Preferences.APPLIED, applied).body(accepted.getBody());
                }));
    }
}
