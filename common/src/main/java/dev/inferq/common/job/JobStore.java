package dev.inferq.common.job;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Job state in Redis: the {@link JobRecord} under {@link JobNames#jobKey}, input bytes under
 * {@link JobNames#inputKey}, every change published on {@link JobNames#eventsChannel}. A record expires {@link #ttl()}
 * after its job ended (the terminal step sets it, and deletes the input bytes); until then it has only the safety net
 * {@link #unfinishedTtl()}, so that a long backlog never loses a job it still holds. Each tenant's jobs are listed,
 * newest first, in {@link JobNames#tenantJobsKey}, kept within the time to live and a size the caller sets.
 *
 * <p>This is the store's one entrance; its parts live by concern: the writes of a job's state in
 * {@link JobTransitions}, the reads of queues and lists in {@link JobQueues}, the event subscription in
 * {@link JobEvents}, the Lua scripts in {@link JobScripts}.
 */
public class JobStore {

    /** How many jobs a tenant's list keeps when the caller does not say. */
    public static final long DEFAULT_LISTED = 10_000;

    /** How long an unfinished job is kept at most when the caller does not say: Kafka's default retention. */
    public static final Duration DEFAULT_UNFINISHED_TTL = Duration.ofDays(7);

    private final ReactiveStringRedisTemplate records;
    private final ReactiveRedisTemplate<String, byte[]> inputs;
    private final JobTransitions transitions;
    private final JobQueues queues;
    private final Duration ttl;
    private final Duration unfinishedTtl;

    public JobStore(ReactiveRedisConnectionFactory connectionFactory, Duration ttl) {
        this(connectionFactory, ttl, DEFAULT_UNFINISHED_TTL);
    }

    /**
     * @param ttl how long a job is kept after it ended
     * @param unfinishedTtl how long a job that has not ended is kept at most (a safety net, not a deadline)
     */
    public JobStore(ReactiveRedisConnectionFactory connectionFactory, Duration ttl, Duration unfinishedTtl) {
        this.records = new ReactiveStringRedisTemplate(connectionFactory);
        this.inputs = new ReactiveRedisTemplate<>(connectionFactory,
                RedisSerializationContext.<String, byte[]>newSerializationContext(RedisSerializer.string())
                        .value(RedisSerializer.byteArray())
                        .build());
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.unfinishedTtl = Objects.requireNonNull(unfinishedTtl, "unfinishedTtl");
        if (ttl.toSeconds() < 1 || unfinishedTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("job times to live must be at least one second, were " + ttl + " and "
                    + unfinishedTtl);
        }
        this.transitions = new JobTransitions(records, ttl, unfinishedTtl);
        this.queues = new JobQueues(records);
    }

    /** How long a job stays readable after it ended. */
    public Duration ttl() {
        return ttl;
    }

    /** How long a job that has not ended is kept at most: what its record, input and webhook are stored for. */
    public Duration unfinishedTtl() {
        return unfinishedTtl;
    }

    /**
     * Stores a new job, at the end of its model's queue (in acceptance order), among its tenant's active jobs and at
     * the head of its tenant's job list (which keeps the newest {@value #DEFAULT_LISTED} jobs). Fails with
     * {@link IllegalStateException} when a job with the same id exists already: ids are 128 random bits, so that is a
     * bug, and overwriting the other job would lose it.
     */
    public Mono<Void> create(JobRecord record) {
        return create(record, 0, DEFAULT_LISTED).then();
    }

    /**
     * Stores a new job as {@link #create(JobRecord)} does, unless its tenant has {@code maxActive} jobs that are not
     * terminal yet ({@code 0}: no cap). The count and the write are one atomic Redis script, so concurrent submits
     * cannot overrun the cap together. The tenant's job list keeps its newest {@code maxListed} jobs created within
     * the time to live, however fast it submits. A {@link JobOutbox.Entry} in the subscriber context is entered too.
     */
    public Mono<Creation> create(JobRecord record, long maxActive, long maxListed) {
        if (maxActive < 0 || maxListed < 1) {
            return Mono.error(new IllegalArgumentException("maxActive must be 0 (no cap) or positive, was "
                    + maxActive + "; maxListed must be positive, was " + maxListed));
        }
        return transitions.create(record, maxActive, maxListed);
    }

    /**
     * How many jobs of {@code model} were accepted before {@code id} and have not been started, cancelled or expired
     * yet: the job's place in its model's queue, 0 being next; empty when the job is no longer queued.
     */
    public Mono<Long> queuePosition(String model, JobId id) {
        return queues.queuePosition(model, id);
    }

    public Mono<JobRecord> find(JobId id) {
        return findStored(id).map(Stored::record);
    }

    /** The job's record with the JSON it is stored as. */
    public Mono<Stored> findStored(JobId id) {
        return records.opsForValue().get(JobNames.jobKey(id)).map(Stored::of);
    }

    /**
     * The queue positions of {@code ids} in {@code model}'s queue, in their order, with one command (a script of
     * ZRANKs): -1 where a job is no longer queued.
     */
    public Mono<List<Long>> queuePositions(String model, List<JobId> ids) {
        return queues.queuePositions(model, ids);
    }

    /** The records of {@code ids}, in their order, read with one MGET; empty where a record is gone. */
    public Mono<List<Optional<JobRecord>>> findAll(List<JobId> ids) {
        if (ids.isEmpty()) {
            return Mono.just(List.of());
        }
        return records.opsForValue().multiGet(ids.stream().map(JobNames::jobKey).toList())
                .map(values -> values.stream()
                        .map(json -> json == null || json.isEmpty() ? Optional.<JobRecord>empty()
                                : Optional.of(JobCodec.decodeRecord(json)))
                        .toList());
    }

    /**
     * Up to {@code count} entries of {@code tenant}'s job list, newest first (jobs created in the same millisecond:
     * by id, descending), among the jobs created from {@code since} to {@code until} (epoch milliseconds, both
     * included), after skipping the first {@code offset} of them.
     */
    public Flux<ListedJob> listed(String tenant, long since, long until, int offset, int count) {
        return queues.listed(tenant, since, until, offset, count);
    }

    /** Takes {@code ids} off {@code tenant}'s job list: their records are gone. */
    public Mono<Long> unlist(String tenant, List<JobId> ids) {
        return queues.unlist(tenant, ids);
    }

    /**
     * Every job's changes as {@link #transition} publishes them, through one pattern subscription on
     * {@code listener}. The stream is emitted once the subscription is in place, so that the caller knows from when on
     * nothing published is missed; it errors when the subscription is lost. Only the changes of jobs that
     * {@code followed} accepts are decoded (every subscriber receives every job's changes); one that cannot be
     * decoded is logged and skipped.
     */
    public Mono<Flux<Stored>> changes(ReactiveRedisMessageListenerContainer listener, Predicate<JobId> followed) {
        return JobEvents.changes(listener, followed);
    }

    /** Stores a job's input bytes until it ends ({@link #transition} deletes them then). */
    public Mono<Boolean> saveInput(JobId id, byte[] bytes) {
        return inputs.opsForValue().set(JobNames.inputKey(id), bytes, unfinishedTtl);
    }

    public Mono<byte[]> loadInput(JobId id) {
        return inputs.opsForValue().get(JobNames.inputKey(id));
    }

    /**
     * Records that {@code clientKey} (a client's {@code Idempotency-Key}) belongs to {@code claim}, for as long as
     * jobs live; false when the key was claimed before.
     */
    public Mono<Boolean> claimIdempotencyKey(String clientKey, IdempotencyClaim claim) {
        return records.opsForValue().setIfAbsent(JobNames.idempotencyKey(clientKey), JobCodec.encode(claim), ttl);
    }

    /** What {@link #claimIdempotencyKey} stored for {@code clientKey}; empty when it is unclaimed or expired. */
    public Mono<IdempotencyClaim> idempotencyClaim(String clientKey) {
        return records.opsForValue().get(JobNames.idempotencyKey(clientKey))
                .map(json -> JobCodec.decode(json, IdempotencyClaim.class));
    }

    /** Frees {@code clientKey} again: its job could not be accepted, so a retry must be able to create one. */
    public Mono<Boolean> releaseIdempotencyKey(String clientKey) {
        return records.delete(JobNames.idempotencyKey(clientKey)).map(count -> count > 0);
    }

    /**
     * Stores {@code ended}, a terminal record, for a job whose record is gone (a worker received its message, but
     * Redis lost the record), for the time to live; false when the job has a record after all, which is then kept.
     */
    public Mono<Boolean> restoreEnded(JobRecord ended) {
        if (!ended.status().isTerminal()) {
            return Mono.error(new IllegalArgumentException("only an ended job is restored, not a " + ended.status()));
        }
        return records.opsForValue().setIfAbsent(JobNames.jobKey(ended.id()), JobCodec.encodeRecord(ended), ttl);
    }

    /** Removes every trace of a job; used when a job could not be handed to Kafka and so was never accepted. */
    public Mono<Long> delete(JobRecord job) {
        JobId id = job.id();
        return records.opsForZSet().remove(JobNames.queueKey(job.model()), id.value())
                .then(records.opsForZSet().remove(JobNames.tenantActiveKey(job.tenant()), id.value()))
                .then(records.opsForZSet().remove(JobNames.tenantJobsKey(job.tenant()), id.value()))
                .then(records.delete(JobNames.jobKey(id), JobNames.inputKey(id), JobNames.deliveriesKey(id),
                        JobNames.callbackKey(id)));
    }

    /**
     * Counts one more start of the job by a worker and answers how many there have been, so that a job whose
     * every start ends in a crashed worker can be given up instead of being delivered forever. Kept as long as jobs.
     */
    public Mono<Long> countDelivery(JobId id) {
        return transitions.countDelivery(id);
    }

    /**
     * Stores {@code next} and publishes it, but only when the job's current status may precede {@code next}'s
     * ({@link JobStatus#predecessors()}). The check and the write are one atomic Redis script, so concurrent writers
     * cannot undo a terminal state.
     */
    public Mono<Transition> transition(JobRecord next) {
        return transitionAll(List.of(next)).map(all -> all.get(0));
    }

    /**
     * {@link #transition} of each of {@code next}, in one script call (one atomic step): the answers are in the same
     * order.
     */
    public Mono<List<Transition>> transitionAll(List<JobRecord> next) {
        return transitions.transitionAll(next);
    }

    /**
     * Starts jobs in one script call (one atomic step), answering for each, in the same order, what it found and did.
     * A job is counted ({@link #countDelivery}, where its order says so) and moved to RUNNING only when its status may
     * precede RUNNING ({@link JobStatus#predecessors()}) and is one its order may start it from; one counted past
     * {@code maxDeliveries} is given up instead, and left as it is. With {@code keepStored}, each order's record need
     * only be right in what a start writes ({@link JobRecord#running}, {@link JobRecord#withModelVersion}): every
     * other field is kept as stored, so a caller that has only the job's message needs no read first; a record stored
     * in an older shape is then not started. Without, each order's record is stored whole.
     */
    public Mono<List<StartResult>> start(List<StartOrder> orders, boolean keepStored, long maxDeliveries) {
        return transitions.start(orders, keepStored, maxDeliveries);
    }

    /**
     * A record as read, with the JSON it was stored (and published) as: a reader that shows the record unchanged can
     * pass that on rather than encode the record again.
     */
    public record Stored(JobRecord record, String json) {

        static Stored of(String json) {
            return new Stored(JobCodec.decodeRecord(json), json);
        }
    }

    /** One entry of a tenant's job list: the job, and when it was created (epoch milliseconds). */
    public record ListedJob(JobId id, long createdAtMillis) {
    }

    /**
     * What {@link #create(JobRecord, long, long)} did: {@code created}, or refused because the tenant is at its cap.
     * {@code active} counts the tenant's jobs that are not terminal yet, the new one included when it was created.
     */
    public record Creation(boolean created, long active) {

        static Creation fromScriptReply(String reply) {
            int colon = reply.indexOf(':');
            return new Creation(reply.startsWith("CREATED:"), Long.parseLong(reply.substring(colon + 1)));
        }
    }

    /** What a {@link #transition} did. {@code current} is the status the job had when the change was refused. */
    public record Transition(Outcome outcome, JobStatus current) {

        static Transition fromScriptReply(String reply) {
            return switch (reply) {
                case "APPLIED" -> new Transition(Outcome.APPLIED, null);
                case "MISSING" -> new Transition(Outcome.MISSING, null);
                default -> new Transition(Outcome.REFUSED, JobStatus.valueOf(reply));
            };
        }

        public boolean applied() {
            return outcome == Outcome.APPLIED;
        }
    }

    /** Whether a transition was stored, refused because of the current status, or found no job at all. */
    public enum Outcome {
        APPLIED,
        REFUSED,
        MISSING
    }
}
