package dev.inferq.common.job;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.PatternTopic;
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
 */
public class JobStore {

    // Read once: a script built on a resource re-checks that resource on every call.
    private static final RedisScript<String> TRANSITION = script("transition.lua");
    private static final RedisScript<String> CREATE = script("create.lua");
    private static final RedisScript<Long> COUNT_DELIVERY = RedisScript.of(
            "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n", Long.class);
    /** The ZRANK in KEYS[1] of each of ARGV, -1 where absent: one command for the positions of many jobs. */
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> QUEUE_POSITIONS = RedisScript.of("""
            local ranks = {}
            for i, id in ipairs(ARGV) do
              ranks[i] = redis.call('ZRANK', KEYS[1], id) or -1
            end
            return ranks
            """, List.class);

    private static final Logger log = LoggerFactory.getLogger(JobStore.class);

    /** How many jobs a tenant's list keeps when the caller does not say. */
    public static final long DEFAULT_LISTED = 10_000;

    private final ReactiveStringRedisTemplate records;
    private final ReactiveRedisTemplate<String, byte[]> inputs;
    /** How long an unfinished job is kept at most when the caller does not say: Kafka's default retention. */
    public static final Duration DEFAULT_UNFINISHED_TTL = Duration.ofDays(7);

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
    }

    private static RedisScript<String> script(String name) {
        try (InputStream in = JobStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("script " + name + " is missing from the classpath");
            }
            return RedisScript.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), String.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + name, e);
        }
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
     * the time to live: one tenant's list cannot grow without bound, however fast it submits.
     */
    public Mono<Creation> create(JobRecord record, long maxActive, long maxListed) {
        if (maxActive < 0 || maxListed < 1) {
            return Mono.error(new IllegalArgumentException("maxActive must be 0 (no cap) or positive, was "
                    + maxActive + "; maxListed must be positive, was " + maxListed));
        }
        List<String> keys = List.of(JobNames.jobKey(record.id()), JobNames.queueKey(record.model()),
                JobNames.tenantActiveKey(record.tenant()), JobNames.tenantJobsKey(record.tenant()));
        List<String> args = List.of(JobCodec.encodeRecord(record), Long.toString(ttl.toSeconds()),
                record.id().value(), Long.toString(record.createdAt().toEpochMilli()), Long.toString(maxActive),
                Long.toString(maxListed), Long.toString(unfinishedTtl.toSeconds()));
        return records.execute(CREATE, keys, args).next().flatMap(reply -> reply.equals("EXISTS")
                ? Mono.error(new IllegalStateException("job " + record.id() + " exists already"))
                : Mono.just(Creation.fromScriptReply(reply)));
    }

    /**
     * How many jobs of {@code model} were accepted before {@code id} and have not been started, cancelled or expired
     * yet: the job's place in its model's queue, 0 being next; empty when the job is no longer queued.
     */
    public Mono<Long> queuePosition(String model, JobId id) {
        return records.opsForZSet().rank(JobNames.queueKey(model), id.value());
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
    @SuppressWarnings("unchecked")
    public Mono<List<Long>> queuePositions(String model, List<JobId> ids) {
        return records.execute(QUEUE_POSITIONS, List.of(JobNames.queueKey(model)),
                        ids.stream().map(JobId::value).toList())
                .next()
                .map(ranks -> ((List<Object>) ranks).stream().map(rank -> ((Number) rank).longValue()).toList());
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
        return records.opsForZSet().reverseRangeByScoreWithScores(JobNames.tenantJobsKey(tenant),
                        Range.closed((double) since, (double) until), Limit.limit().offset(offset).count(count))
                .map(entry -> new ListedJob(new JobId(entry.getValue()), entry.getScore().longValue()));
    }

    /** Takes {@code ids} off {@code tenant}'s job list: their records are gone. */
    public Mono<Long> unlist(String tenant, List<JobId> ids) {
        return ids.isEmpty() ? Mono.just(0L) : records.opsForZSet().remove(JobNames.tenantJobsKey(tenant),
                ids.stream().map(JobId::value).toArray());
    }

    /**
     * Every job's changes as {@link #transition} publishes them, through one pattern subscription on
     * {@code listener}. The stream is emitted once the subscription is in place, so that the caller knows from when on
     * nothing published is missed; it errors when the subscription is lost. Only the changes of jobs that
     * {@code followed} accepts are decoded (every subscriber receives every job's changes); one that cannot be
     * decoded is logged and skipped.
     */
    public Mono<Flux<Stored>> changes(ReactiveRedisMessageListenerContainer listener, Predicate<JobId> followed) {
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
        return records.execute(COUNT_DELIVERY, List.of(JobNames.deliveriesKey(id)),
                List.of(Long.toString(ttl.toSeconds()))).next();
    }

    /**
     * Stores {@code next} and publishes it, but only when the job's current status may precede {@code next}'s
     * ({@link JobStatus#predecessors()}). The check and the write are one atomic Redis script, so concurrent writers
     * cannot undo a terminal state.
     */
    public Mono<Transition> transition(JobRecord next) {
        return transition(next.id(), next.model(), next.tenant(), JobCodec.encodeRecord(next),
                StatusRule.of(next.status()));
    }

    /**
     * The transition script's call, told by {@code rule} everything it needs to know about the next status: the
     * script itself decides nothing by a status's name, so a status added to {@link JobStatus} needs no Lua change.
     */
    Mono<Transition> transition(JobId id, String model, String tenant, String recordJson, StatusRule rule) {
        List<String> args = new ArrayList<>();
        args.add(recordJson);
        // A terminal record lives a time to live from now; an unfinished one is kept until its job ends.
        args.add(Long.toString((rule.terminal() ? ttl : unfinishedTtl).toSeconds()));
        args.add(id.value());
        args.add(rule.terminal() ? "1" : "0");
        args.add(rule.queued() ? "1" : "0");
        args.addAll(rule.predecessors());
        List<String> keys = List.of(JobNames.jobKey(id), JobNames.eventsChannel(id), JobNames.queueKey(model),
                JobNames.callbackKey(id), JobNames.callbacksDueKey(), JobNames.tenantActiveKey(tenant),
                JobNames.inputKey(id), JobNames.completedKey(model));
        return records.execute(TRANSITION, keys, args).next().map(Transition::fromScriptReply);
    }

    /** What the transition script is told about a status: {@link JobStatus}'s rule, as plain values. */
    record StatusRule(boolean terminal, boolean queued, List<String> predecessors) {

        static StatusRule of(JobStatus status) {
            return new StatusRule(status.isTerminal(), status.isQueued(),
                    status.predecessors().stream().map(JobStatus::name).sorted().toList());
        }
    }

    /** One entry of a tenant's job list: the job, and when it was created (epoch milliseconds). */
    /**
     * A record as read, with the JSON it was stored (and published) as: a reader that shows the record unchanged can
     * pass that on rather than encode the record again.
     */
    public record Stored(JobRecord record, String json) {

        static Stored of(String json) {
            return new Stored(JobCodec.decodeRecord(json), json);
        }
    }

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
