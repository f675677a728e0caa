package dev.inferq.worker.run;

import dev.inferq.common.job.JobLogs;
import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.MDC;

/**
 * The worker's spans, continuing the trace that each job's submit started. The consumer loop is our own rather than a
 * Spring Kafka listener, so the W3C context ({@code traceparent}) is extracted here from each record's headers.
 *
 * <ul>
 *   <li>{@code inferq.consume}: one per job in a batch, child of the context its message carries, with the OTel
 *       messaging attributes; it lasts until the batch is committed;</li>
 *   <li>{@code inferq.batch}: one per batch, linked to every job's {@code inferq.consume} span (the OTel way to show
 *       one operation serving many traces); a batch of one job is also that job's child, so a lone job's trace holds
 *       its forward pass;</li>
 *   <li>{@code inferq.forward}: one per forward pass, child of the batch;</li>
 *   <li>{@code inferq.store}: the write of a job's outcome, child of its consume span, and {@code inferq.notify}
 *       beneath it when the outcome was stored: the event is published by the same atomic Redis script that stores
 *       the record ({@code transition.lua}), so it has the interval of that call.</li>
 * </ul>
 *
 * <p>Spans are exported only where an exporter is configured; otherwise they still correlate the log lines.
 */
public final class JobTracing {

    private static final Propagator.Getter<Headers> HEADERS = (headers, key) -> {
        Header header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    };

    private final Tracer tracer;
    private final Propagator propagator;

    public JobTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Neither exports nor correlates: for tests of the batching logic. */
    public static JobTracing noop() {
        return new JobTracing(Tracer.NOOP, Propagator.NOOP);
    }

    /** Starts the consume span of every job in {@code batch} (kept by the batch), then the batch span. */
    public Span startBatch(Batch batch, String model) {
        List<Span> consumed = new ArrayList<>(batch.jobs().size());
        for (Delivery job : batch.jobs()) {
            Span span = consume(job, model);
            batch.traced(job, span);
            consumed.add(span);
        }
        Span.Builder builder = tracer.spanBuilder().name("inferq.batch")
                .tag("messaging.system", "kafka")
                .tag("messaging.destination.name", JobNames.topic(model))
                .tag("messaging.operation", "process")
                .tag("messaging.operation.type", "process")
                .tag("messaging.batch.message_count", batch.jobs().size())
                .tag("inferq.model", model)
                .tag("inferq.batch.inputs", batch.inputs());
        if (consumed.size() == 1) {
            builder.setParent(consumed.get(0).context());
        } else {
            builder.setNoParent();
        }
        consumed.forEach(span -> builder.addLink(new Link(span)));
        return builder.start();
    }

    private Span consume(Delivery job, String model) {
        var source = job.source();
        Span.Builder builder = propagator.extract(source.headers(), HEADERS).name("inferq.consume")
                .kind(Span.Kind.CONSUMER)
                .tag("messaging.system", "kafka")
                .tag("messaging.destination.name", source.topic())
                .tag("messaging.destination.partition.id", Integer.toString(source.partition()))
                .tag("messaging.kafka.destination.partition", source.partition())
                .tag("messaging.kafka.message.offset", source.offset())
                .tag("messaging.consumer.group.name", JobNames.consumerGroup(model))
                .tag("messaging.operation", "process")
                .tag("messaging.operation.type", "process");
        if (source.key() != null) {
            builder.tag("messaging.kafka.message.key", source.key());
        }
        if (!job.isMalformed()) {
            builder.tag("inferq.job.id", job.request().id().value());
        }
        return builder.start();
    }

    /** Makes {@code span} current and names the job in the MDC, for the log lines about it; close to restore. */
    Scope about(JobId id, Span span) {
        Tracer.SpanInScope scope = tracer.withSpan(span);
        MDC.MDCCloseable job = JobLogs.about(id);
        return () -> {
            job.close();
            scope.close();
        };
    }

    /** {@link #about} the job {@code delivery} carries, with its consume span in {@code batch}. */
    Scope about(Batch batch, Delivery delivery) {
        return about(delivery.request().id(), batch.span(delivery));
    }

    /** What {@link #about} opened. */
    interface Scope extends AutoCloseable {

        @Override
        void close();
    }

    public Tracer.SpanInScope inScope(Span span) {
        return tracer.withSpan(span);
    }

    /** A forward pass, child of the current (batch) span. */
    Span forward(String model, int inputs, int jobs) {
        return tracer.nextSpan().name("inferq.forward")
                .tag("inferq.model", model)
                .tag("inferq.forward.inputs", inputs)
                .tag("inferq.forward.jobs", jobs)
                .start();
    }

    /**
     * Starts the spans of the write of {@code outcome}: {@code inferq.store}, child of the job's consume span, and
     * {@code inferq.notify} beneath it.
     */
    OutcomeSpans store(Span consume, JobRecord outcome) {
        Span store = tracer.spanBuilder().setParent(consume.context()).name("inferq.store").kind(Span.Kind.CLIENT)
                .tag("db.system.name", "redis")
                .tag("db.operation.name", "EVALSHA")
                .tag("inferq.job.id", outcome.id().value())
                .tag("inferq.job.status", outcome.status().name())
                .start();
        Span notify = tracer.spanBuilder().setParent(store.context()).name("inferq.notify")
                .kind(Span.Kind.PRODUCER)
                .tag("messaging.system", "redis")
                .tag("messaging.destination.name", JobNames.eventsChannel(outcome.id()))
                .tag("messaging.operation", "publish")
                .tag("messaging.operation.type", "send")
                .tag("inferq.job.status", outcome.status().name())
                .start();
        return new OutcomeSpans(consume, store, notify, outcome);
    }

    /** The spans of one outcome's write, ended once Redis has answered. */
    static final class OutcomeSpans {

        private final Span consume;
        private final Span store;
        private final Span notify;
        private final JobRecord outcome;

        private OutcomeSpans(Span consume, Span store, Span notify, JobRecord outcome) {
            this.consume = consume;
            this.store = store;
            this.notify = notify;
            this.outcome = outcome;
        }

        /** Redis answered: a refused transition published nothing, so its notify span is dropped. */
        void stored(boolean applied) {
            store.tag("inferq.store.applied", applied);
            if (applied) {
                consume.tag("inferq.job.status", outcome.status().name());
                notify.end();
            } else {
                notify.abandon();
            }
            store.end();
        }

        void failed(Throwable e) {
            notify.abandon();
            store.error(e);
            store.end();
        }
    }
}
