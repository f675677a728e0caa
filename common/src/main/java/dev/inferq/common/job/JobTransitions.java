package dev.inferq.common.job;

import dev.inferq.common.job.JobStore.Creation;
import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;

/**
 * The job store's writes of a job's state: its creation, its transitions (of one job or of many in one script call),
 * starts of many jobs in one call, and delivery counts. Every move follows the one rule in transition-rule.lua, told by {@link StatusRule}
 * what {@link JobStatus} says.
 */
final class JobTransitions {

    /**
     * The spans of a record's JSON that a start writes, each from a field's name to the name of the next field it
     * keeps: {@link JobRecord#running} after {@link JobRecord#withModelVersion} writes the model version and the
     * status, and every field from started_at to worker, and keeps the others. A start that sends only these spans
     * needs no read of the record first (start.lua), and what it stores is what encoding the whole record would.
     */
    private static final List<String> ANCHORS = Stream.of("model_version", "input_count", "started_at", "trace_id")
            .map(field -> ",\"" + field + "\":").toList();
    private static final StatusRule RUNNING = StatusRule.of(JobStatus.RUNNING);

    private final ReactiveStringRedisTemplate records;
    private final Duration ttl;
    private final Duration unfinishedTtl;

    JobTransitions(ReactiveStringRedisTemplate records, Duration ttl, Duration unfinishedTtl) {
        this.records = records;
        this.ttl = ttl;
        this.unfinishedTtl = unfinishedTtl;
    }

    /**
     * {@link JobStore#create(JobRecord, long, long)}, its arguments checked; with the job's {@link JobOutbox.Entry}
     * when its subscriber context holds one.
     */
    Mono<Creation> create(JobRecord record, long maxActive, long maxListed) {
        return Mono.deferContextual(context -> {
            List<String> keys = new ArrayList<>(List.of(JobNames.jobKey(record.id()), JobNames.queueKey(record.model()),
                    JobNames.tenantActiveKey(record.tenant()), JobNames.tenantJobsKey(record.tenant())));
            List<String> args = new ArrayList<>(List.of(JobCodec.encodeRecord(record), seconds(ttl),
                    record.id().value(), Long.toString(record.createdAt().toEpochMilli()), Long.toString(maxActive),
                    Long.toString(maxListed), seconds(unfinishedTtl)));
            JobOutbox.Entry entry = context.<JobOutbox.Entry>getOrEmpty(JobOutbox.Entry.class).orElse(null);
            if (entry != null) {
                if (!entry.request().id().equals(record.id())) {
                    return Mono.error(new IllegalArgumentException("the outbox entry of job " + entry.request().id()
                            + " came with the creation of job " + record.id()));
                }
                keys.addAll(List.of(JobNames.outboxKey(), JobNames.outboxMessageKey(record.id())));
                args.addAll(List.of(JobOutbox.encode(entry.request()), Long.toString(entry.grace().toMillis())));
            }
            return records.execute(JobScripts.CREATE, keys, args).next();
        }).flatMap(reply -> reply.equals("EXISTS")
                ? Mono.error(new IllegalStateException("job " + record.id() + " exists already"))
                : Mono.just(Creation.fromScriptReply(reply)));
    }

    /** {@link JobStore#transitionAll}. */
    Mono<List<Transition>> transitionAll(List<JobRecord> next) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>();
        for (JobRecord record : next) {
            add(keys, args, record.id(), record.model(), record.tenant(), JobCodec.encodeRecord(record),
                    StatusRule.of(record.status()));
        }
        return transitions(keys, args);
    }

    /**
     * The transition script's call for one job, told by {@code rule} everything it needs to know about the next
     * status.
     */
    Mono<Transition> transition(JobId id, String model, String tenant, String recordJson, StatusRule rule) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>();
        add(keys, args, id, model, tenant, recordJson, rule);
        return transitions(keys, args).map(all -> all.get(0));
    }

    private Mono<List<Transition>> transitions(List<String> keys, List<String> args) {
        if (keys.isEmpty()) {
            return Mono.just(List.of());
        }
        return records.execute(JobScripts.TRANSITION, keys, args).next()
                .map(replies -> ((List<?>) replies).stream()
                        .map(reply -> Transition.fromScriptReply((String) reply)).toList());
    }

    private void add(List<String> keys, List<String> args, JobId id, String model, String tenant, String recordJson,
            StatusRule rule) {
        keys.addAll(keys(id, model, tenant));
        args.add(recordJson);
        // A terminal record lives a time to live from now; an unfinished one is kept until its job ends.
        args.add(seconds(rule.terminal() ? ttl : unfinishedTtl));
        args.add(id.value());
        args.add(flag(rule.terminal()));
        args.add(flag(rule.queued()));
        args.add(rule.allowed());
    }

    /** {@link JobStore#start}. */
    Mono<List<StartResult>> start(List<StartOrder> orders, boolean keepStored, long maxDeliveries) {
        if (orders.isEmpty()) {
            return Mono.just(List.of());
        }
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of(Long.toString(maxDeliveries), seconds(ttl),
                seconds(unfinishedTtl), flag(RUNNING.terminal()), flag(RUNNING.queued()), RUNNING.allowed(),
                Integer.toString(keepStored ? ANCHORS.size() / 2 : 0)));
        if (keepStored) {
            args.addAll(ANCHORS);
        }
        for (StartOrder order : orders) {
            JobRecord running = order.running();
            keys.addAll(keys(running.id(), running.model(), running.tenant()));
            keys.add(JobNames.deliveriesKey(running.id()));
            args.add(running.id().value());
            args.add(flag(order.count()));
            args.add(StatusRule.listed(order.from().stream().map(JobStatus::name).sorted().toList()));
            String json = JobCodec.encodeRecord(running);
            args.addAll(keepStored ? spans(json) : List.of(json));
        }
        return records.execute(JobScripts.START, keys, args).next().map(JobTransitions::results);
    }

    /** The spans of {@code json} between the {@link #ANCHORS}, each with its first anchor. */
    private static List<String> spans(String json) {
        List<String> spans = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < ANCHORS.size(); i += 2) {
            int first = json.indexOf(ANCHORS.get(i), from);
            int after = first < 0 ? -1 : json.indexOf(ANCHORS.get(i + 1), first + 1);
            if (after < 0) {
                throw new IllegalStateException("a record's JSON no longer has the fields a start writes in the order "
                        + "start.lua relies on: " + json);
            }
            spans.add(json.substring(first, after));
            from = after;
        }
        return spans;
    }

    private static List<StartResult> results(List<?> replies) {
        List<StartResult> results = new ArrayList<>();
        for (int i = 0; i < replies.size(); i += 3) {
            String json = (String) replies.get(i + 2);
            StartResult.Kind kind = switch ((String) replies.get(i)) {
                case "APPLIED" -> StartResult.Kind.STARTED;
                case "GIVEN_UP" -> StartResult.Kind.GIVEN_UP;
                case "MISSING" -> StartResult.Kind.MISSING;
                default -> StartResult.Kind.NOT_STARTED;
            };
            results.add(new StartResult(kind, Long.parseLong((String) replies.get(i + 1)),
                    json == null || json.isEmpty() ? null : JobCodec.decodeRecord(json)));
        }
        return results;
    }

    /** {@link JobStore#countDelivery}. */
    Mono<Long> countDelivery(JobId id) {
        return records.execute(JobScripts.COUNT_DELIVERY, List.of(JobNames.deliveriesKey(id)), List.of(seconds(ttl)))
                .next();
    }

    /** A job's keys as transition-rule.lua takes them. */
    private static List<String> keys(JobId id, String model, String tenant) {
        return List.of(JobNames.jobKey(id), JobNames.eventsChannel(id), JobNames.queueKey(model),
                JobNames.callbackKey(id), JobNames.callbacksDueKey(), JobNames.tenantActiveKey(tenant),
                JobNames.inputKey(id), JobNames.completedKey(model));
    }

    private static String seconds(Duration duration) {
        return Long.toString(duration.toSeconds());
    }

    private static String flag(boolean value) {
        return value ? "1" : "0";
    }
}
