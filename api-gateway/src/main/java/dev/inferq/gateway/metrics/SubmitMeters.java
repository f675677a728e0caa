package dev.inferq.gateway.metrics;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.gateway.auth.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Counts, per model, the jobs the gateway accepts ({@code inferq.jobs.submitted}) and the submits it refuses
 * ({@code inferq.jobs.refused}, tagged with the answer's status), on the native and the legacy submit routes
 * (each API names its own: {@link SubmitRoutes}).
 *
 * <p>A refusal is counted from the response as it is committed, not where it was decided: Spring's codecs (400, 413,
 * 415), the input checks, the backlog (429), the store and the queue (503) all end in an error status there, so
 * none can be missed. A submit counts as refused only if it
 * created no job: a legacy call whose job was accepted and then ended FAILED answers 422 but is not a refusal. The
 * {@code model} tag is a catalog model or {@value #UNKNOWN_MODEL}, so that made-up names in paths cannot grow the
 * number of series. The {@code tenant} tag is the caller's tenant, or {@value #NO_TENANT} for a submit refused before
 * it was known (401): tenants are configured or created by the administrator, so they are bounded too. It is dropped
 * from what is exported unless {@code inferq.gateway.metrics.tenant-tag} is on ({@link TenantTags}).
 */
@Component
public class SubmitMeters implements WebFilter, Ordered {

    static final String UNKNOWN_MODEL = "unknown";
    static final String NO_TENANT = "none";

    private final MeterRegistry registry;
    private final ModelCatalog catalog;
    private final List<SubmitRoutes> routes;

    public SubmitMeters(MeterRegistry registry, ModelCatalog catalog, List<SubmitRoutes> routes) {
        this.registry = registry;
        this.catalog = catalog;
        this.routes = List.copyOf(routes);
    }

    /**
     * Counts a job of {@code model} for {@code tenant} as accepted; called within the submit's reactive chain, once
     * per new job.
     */
    public Mono<Void> accepted(String model, String tenant) {
        return Mono.deferContextual(context -> {
            Counter.builder("inferq.jobs.submitted")
                    .description("Jobs accepted (202) by the gateway, native and legacy routes")
                    .tag("model", model)
                    .tag(TenantTags.TAG, tenant)
                    .register(registry)
                    .increment();
            context.<Submit>getOrEmpty(Submit.class).ifPresent(Submit::accept);
            return Mono.empty();
        });
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String model = submittedModel(exchange);
        if (model == null) {
            return chain.filter(exchange);
        }
        Submit submit = new Submit();
        exchange.getResponse().beforeCommit(() -> {
            HttpStatusCode status = exchange.getResponse().getStatusCode();
            if (status != null && status.isError() && !submit.accepted) {
                refused(model, exchange.getAttribute(Caller.ATTRIBUTE) instanceof Caller caller
                        && caller.tenant() != null ? caller.tenant() : NO_TENANT, status.value());
            }
            return Mono.empty();
        });
        return chain.filter(exchange).contextWrite(context -> context.put(Submit.class, submit));
    }

    private void refused(String model, String tenant, int status) {
        Counter.builder("inferq.jobs.refused")
                .description("Submits refused with an error status (no job created), by model, tenant and status")
                .tag("model", model)
                .tag(TenantTags.TAG, tenant)
                .tag("status", Integer.toString(status))
                .register(registry)
                .increment();
    }

    /** The model tag of a submit request, or null when the request is not a submit. */
    private String submittedModel(ServerWebExchange exchange) {
        if (exchange.getRequest().getMethod() != HttpMethod.POST) {
            return null;
        }
        PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
        return routes.stream()
                .map(route -> route.model(path))
                .filter(Objects::nonNull)
                .findFirst()
                .map(model -> catalog.find(model).isPresent() ? model : UNKNOWN_MODEL)
                .orElse(null);
    }

    /** Runs before Spring's own filters, so that every refusal they produce is seen here. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    /** Whether the submit in flight has created its job; written on the request's chain, read at commit. */
    private static final class Submit {

        private volatile boolean accepted;

        void accept() {
            accepted = true;
        }
    }
}
