package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.gateway.problems.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a page of {@code GET /v1/jobs} ended: the last job it looked at, by creation time and id, the order of the
 * tenant's list (newest first; jobs created in the same millisecond by id, descending). The next page starts after
 * it, so jobs created meanwhile (at the head) or removed (expired) shift nothing: no job is listed twice or skipped.
 * Clients see it as an opaque token (URL-safe Base64 of {@code <millis>.<id>}) and are told nothing of its shape.
 *
 * @param createdAtMillis when the job was created, epoch milliseconds
 * @param id the job's id
 */
public record JobListCursor(long createdAtMillis, String id) {

    public JobListCursor {
        if (createdAtMillis < 0 || !JobId.isWellFormed(id)) {
            throw new IllegalArgumentException("not a position in a job list: " + createdAtMillis + ", " + id);
        }
    }

    static JobListCursor at(JobStore.ListedJob entry) {
        return new JobListCursor(entry.createdAtMillis(), entry.id().value());
    }

    /** The token a client sends back as {@code cursor}. */
    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((createdAtMillis + "." + id).getBytes(StandardCharsets.US_ASCII));
    }

    /** The position {@code token} names; a 400 problem when it is no token this API gave out. */
    public static JobListCursor decode(String token) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            int dot = text.indexOf('.');
            String millis = text.substring(0, Math.max(0, dot));
            if (millis.isEmpty() || millis.length() > 15 || !millis.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("no creation time");
            }
            return new JobListCursor(Long.parseLong(millis), text.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'cursor' must be a next_cursor that GET /v1/jobs answered, unchanged; '"
                    + shorten(token) + "' is not one");
        }
    }

    /** True when {@code entry} comes after this position in the list's order, so a page after it may show it. */
    boolean precedes(JobStore.ListedJob entry) {
        return entry.createdAtMillis() < createdAtMillis
                || entry.createdAtMillis() == createdAtMillis && entry.id().value().compareTo(id) < 0;
    }

    private static String shorten(String token) {
        return token.length() <= 64 ? token : token.substring(0, 64) + "...";
    }
}
