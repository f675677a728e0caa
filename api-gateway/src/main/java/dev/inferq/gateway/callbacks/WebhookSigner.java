package dev.inferq.gateway.callbacks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook deliveries the Standard Webhooks way: {@code webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">}, keyed with the configured secret, so a receiver can check that a delivery is ours and fresh.
 */
public final class WebhookSigner {

    private static final String PREFIX = "whsec_";

    private final byte[] key;

    /** {@code secret}: {@code whsec_<base64>}, or any other text, whose UTF-8 bytes are the key. */
    public WebhookSigner(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a webhook secret is required");
        }
        this.key = secret.startsWith(PREFIX) ? Base64.getDecoder().decode(secret.substring(PREFIX.length()))
                : secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code webhook-signature} header value for a delivery. */
    public String signature(String id, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
