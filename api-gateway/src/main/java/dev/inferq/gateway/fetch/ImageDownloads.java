package dev.inferq.gateway.fetch;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.limits.LimitsProperties;
import dev.inferq.gateway.limits.Permits;
import dev.inferq.gateway.limits.QueuedPermits;
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
 * once for one tenant and {@code downloads.total} on this gateway. A download beyond them waits its turn for at most
 * {@code downloads.wait}, holding only its request, so that one refused would not have had a place within
 * milliseconds; then 429 (the tenant's cap) or 503 (this gateway's), both with {@code Retry-After}.
 */
@Component
public class ImageDownloads {

    private final ImageFetcher fetcher;
    private final BacklogMonitor backlog;
    private final TenantQuotas quotas;
    private final GatewayProperties gateway;
    private final QueuedPermits permits;

    public ImageDownloads(ImageFetcher fetcher, BacklogMonitor backlog, TenantQuotas quotas, GatewayProperties gateway,
            LimitsProperties limits) {
        this.fetcher = fetcher;
        this.backlog = backlog;
        this.quotas = quotas;
        this.gateway = gateway;
        this.permits = new QueuedPermits(limits.downloads().total(), limits.downloads().perTenant(),
                limits.downloads().waitTime(), limits.downloads().queuedTotal(), limits.downloads().queuedPerTenant());
    }

    /** The image at {@code url}, for a job of {@code model} that {@code tenant} submits. */
    public Mono<byte[]> fetch(String model, String url, String tenant) {
        return Mono.fromRunnable(() -> backlog.admit(model))
                .then(quotas.precheck(tenant))
                // flatMap right on acquire: a permit it delivers reaches the download's doFinally or goes back
                .then(permits.acquire(tenant).flatMap(taken -> taken.granted()
                        ? fetcher.fetch(url).doFinally(signal -> taken.permit().close())
                        : Mono.error(refusal(tenant, taken.refusal()))));
    }

    private ApiException refusal(String tenant, Permits.Refusal refusal) {
        return refusal == Permits.Refusal.PER_KEY
                ? ApiException.limit(HttpStatus.TOO_MANY_REQUESTS, ProblemType.TOO_MANY_DOWNLOADS, "tenant '" + tenant
                        + "' has " + permits.inFlight(tenant) + " image downloads running on this gateway, the most"
                        + " it may, and " + permits.waiting(tenant) + " waiting for one to finish; retry later, or"
                        + " upload the image",
                        LimitsProperties.PREFIX + "downloads.per-tenant", gateway.retryAfter())
                : ApiException.limit(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_DOWNLOADS, "this gateway runs"
                        + " as many image downloads as it may; retry later, or upload the image",
                        LimitsProperties.PREFIX + "downloads.total", gateway.retryAfter());
    }
}
