package dev.inferq.worker.cache;

import dev.inferq.common.job.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The Redis keys of the response cache. Only the worker reads and writes them, so they are named here rather than
 * beside the gateway's keys in {@code JobNames}.
 */
public final class CacheKeys {

    private static final String PREFIX = "inferq:cache:";

    private CacheKeys() {
    }

    /**
     * Redis key of the response cache's entry for {@code content} classified by {@code variant} of {@code model}: the
     * predictions any job with the same three gets without a forward pass. Content-addressed: the SHA-256 of the
     * model, the variant, the scope and the content, each length-prefixed so that no two different tuples hash alike.
     * The model is also in clear, so an operator can drop one model's entries by pattern.
     *
     * @param scope the tenant the entry belongs to, or null for an entry shared by all tenants
     * @param content the input as the worker reads it: the job's texts in a canonical encoding, or the image bytes
     */
    public static String of(String model, String variant, String scope, byte[] content) {
        MessageDigest sha = Sha256.digest();
        sha.update("inferq-cache-v1".getBytes(StandardCharsets.UTF_8));
        updateWithLength(sha, model.getBytes(StandardCharsets.UTF_8));
        updateWithLength(sha, variant.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) (scope == null ? 0 : 1));
        if (scope != null) {
            updateWithLength(sha, scope.getBytes(StandardCharsets.UTF_8));
        }
        updateWithLength(sha, content);
        return PREFIX + model + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
    }

    /** Pattern matching every key {@link #of} gives for {@code model}. */
    public static String pattern(String model) {
        return PREFIX + model + ":*";
    }

    private static void updateWithLength(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
        sha.update(bytes);
    }
}
