package dev.inferq.common.cache;

import dev.inferq.common.job.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/**
 * The Redis keys of the response cache and the content they are computed over: the one copy of the rule, which the
 * worker (it writes entries after a forward pass and reads them before one) and the gateway (it answers a repeat
 * before anything is queued) both follow, so that the two always meet on the same key.
 */
public final class CacheKeys {

    private static final String PREFIX = "inferq:cache:";
    private static final String FIRST_VERSION = "1";

    private CacheKeys() {
    }

    /**
     * Redis key of the response cache's entry for {@code content} classified by {@code variant} of {@code version} of
     * {@code model}: the predictions any job with the same four gets without a forward pass. Content-addressed: the
     * SHA-256 of the model, the variant, the scope and the content, each length-prefixed so that no two different
     * tuples hash alike. The model is also in clear, so an operator can drop one model's entries by pattern.
     *
     * @param version the model version that computes it: versions may share a variant's file name but not its
     *     weights, so an added version's answers are kept apart (version 1 keys as before versions existed)
     * @param scope the tenant the entry belongs to, or null for an entry shared by all tenants
     * @param content the input: {@link #texts} for a text job, the image bytes as stored for an image job
     */
    public static String of(String model, String version, String variant, String scope, byte[] content) {
        String served = FIRST_VERSION.equals(version) ? variant : "v" + version + "/" + variant;
        MessageDigest sha = Sha256.digest();
        sha.update("inferq-cache-v1".getBytes(StandardCharsets.UTF_8));
        updateWithLength(sha, model.getBytes(StandardCharsets.UTF_8));
        updateWithLength(sha, served.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) (scope == null ? 0 : 1));
        if (scope != null) {
            updateWithLength(sha, scope.getBytes(StandardCharsets.UTF_8));
        }
        updateWithLength(sha, content);
        return PREFIX + model + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
    }

    /** The content of a text job: the texts in order, each as its UTF-8 length and bytes, so no two lists encode alike. */
    public static byte[] texts(List<String> texts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String text : texts) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(utf8.length).array());
            out.writeBytes(utf8);
        }
        return out.toByteArray();
    }

    /**
     * Redis key of the set of jobs that wait for the entry {@code entryKey}: queued while an identical job was being
     * computed, they are ended with its predictions as soon as it is written.
     */
    public static String waiting(String entryKey) {
        return entryKey + ":waiting";
    }

    /** Pattern matching every key {@link #of} and {@link #waiting} give for {@code model}. */
    public static String pattern(String model) {
        return PREFIX + model + ":*";
    }

    private static void updateWithLength(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
        sha.update(bytes);
    }
}
