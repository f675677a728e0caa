package dev.inferq.common.job;

import dev.inferq.common.job.JobStore.Stored;
import dev.inferq.contract.JobId;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The job store's subscription to every job's events channel ({@link JobNames#eventsChannel}). */
final class JobEvents {

    /** JobStore's logger still: operators' log settings name it. */
    private static final Logger log = LoggerFactory.getLogger(JobStore.class);

    private JobEvents() {
    }

    /** {@link JobStore#changes}. */
    static Mono<Flux<Stored>> changes(ReactiveRedisMessageListenerContainer listener, Predicate<JobId> followed) {
        return listener.receiveLater(PatternTopic.of(JobNames.eventsChannelPattern()))
                .map(messages -> messages.handle((message, sink) -> JobNames.jobOfEventsChannel(message.getChannel())
                        .filter(followed)
                        .ifPresent(id -> {
                            try {
                                sink.next(Stored.of(message.getMessage()));
                            } catch (RuntimeException e) {
                                log.error("Skipping an undecodable event of job {}: {}", id, e.toString());
                            }
                        })));
    }
}
