package dev.inferq.gateway.fetch;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.limits.LimitsProperties;
import dev.inferq.gateway.limits.Permits;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import dev.inferq.gateway.quota.TenantQuotas;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The image downloads of submits by URL, in their place: after the model's backlog and the tenant's quotas admitted the
 * submit (a tenant over its quota, or a full model, makes the gateway download nothing), and within the download
 * limits, since each download buffers up to {@code inferq.image.max-bytes}: at most {@code downloads.per-tenant} at
 * once for one tenant (429 beyond) and {@code downloads.total} on this gateway (503 beyond), both with
 * {@code Retry-After}.
 */
@Component
public class ImageDownloads {

    private final ImageFetcher fetcher;
    private final BacklogMonitor backlog;
    private final TenantQuotas quotas;
    private final GatewayProperties gateway;
    private final Permits permits;

    public ImageDownloads(ImageFetcher fetcher, BacklogMonitor backlog, TenantQuotas quotas, GatewayProperties gateway,
            LimitsProperties limits) {
        this.fetcher = fetcher;
        this.backlog = backlog;
        this.quotas = quotas;
        this.gateway = gateway;
        this.permits = new Permits(limits.downloads().total(), limits.downloads().perTenant());
    }

    /** The image at {@code url}, for a job of {@code model} that {@code tenant} submits. */
    public Mono<byte[]> fetch(String model, String url, String tenant) {
        return Mono.fromRunnable(() -> backlog.admit(model))
                .then(quotas.precheck(tenant))
                .then(Mono.defer(() -> {
                    Permits.Result taken = permits.tryAcquire(tenant);
                    if (!taken.granted()) {
                        return Mono.error(refusal(tenant, taken.refusal()));
                    }
                    return fetcher.fetch(url).doFinally(signal -> taken.permit().close());
                }));
    }

    private ApiException refusal(String tenant, Permits.Refusal refusal) {
        return refusal == Permits.Refusal.PER_KEY
                ? ApiException.limit(HttpStatus.TOO_MANY_REQUESTS, ProblemType.TOO_MANY_DOWNLOADS, "tenant '" + tenant
                        + "' has " + permits.inFlight(tenant) + " image downloads running on this gateway, the most"
                        + " it may; retry when one has finished, or upload the image",
                        LimitsProperties.PREFIX + "downloads.per-tenant", gateway.retryAfter())
                : ApiException.limit(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_DOWNLOADS, "this gateway runs"
                        + " as many image downloads as it may; retry later, or upload the image",
                        LimitsProperties.PREFIX + "downloads.total", gateway.retryAfter());
    }
}
