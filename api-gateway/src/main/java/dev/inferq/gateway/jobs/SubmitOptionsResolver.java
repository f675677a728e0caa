package dev.inferq.gateway.jobs;

import dev.inferq.gateway.auth.Caller;
import dev.inferq.gateway.callbacks.CallbackUrls;
import org.springframework.stereotype.Component;

/**
 * Turns a submit route's parameters into its {@link SubmitOptions}, with the same checks for every route: each route
 * hands over what it read, and nothing else reads or checks these parameters.
 */
@Component
public class SubmitOptionsResolver {

    private final InputValidator validator;
    private final CallbackUrls callbackUrls;

    public SubmitOptionsResolver(InputValidator validator, CallbackUrls callbackUrls) {
        this.validator = validator;
        this.callbackUrls = callbackUrls;
    }

    /**
     * The options of a native submit. {@code timeout_s} may come as a query parameter ({@code timeoutFromQuery}) or
     * in a JSON body ({@code timeoutFromBody}), not both; {@code callbackUrl} from whichever the route reads it. Each
     * value may be null: not given.
     */
    public SubmitOptions resolve(String timeoutFromQuery, Integer timeoutFromBody, String callbackUrl,
            String idempotencyKey, String prefer, String cacheControl, Caller caller) {
        return new SubmitOptions(validator.timeout(timeoutFromBody, timeoutFromQuery), idempotencyKey,
                callbackUrls.check(callbackUrl), Preferences.parse(prefer), CacheDirectives.bypassesCache(cacheControl),
                caller.tenant());
    }

    /**
     * The options of a legacy submit: the old contract knows {@code Prefer} and {@code Cache-Control} only, so its
     * jobs have no deadline, no idempotency key and no webhook.
     */
    public SubmitOptions resolveLegacy(String prefer, String cacheControl, Caller caller) {
        return resolve(null, null, null, null, prefer, cacheControl, caller);
    }
}
