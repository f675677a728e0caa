package dev.inferq.gateway.versions;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.versions.Canary;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;

/**
 * The versions of a model as the API shows them: which is the default, the canary and its share (null: none), and
 * each version.
 */
public record VersionList(String model, int defaultVersion, Canary canary, List<VersionView> versions) {

    /**
     * One version: its number; its {@code status} ({@code default}, {@code canary}, {@code active}: loaded by workers
     * and reachable as {@code model@N}, or {@code retired}); the folder it is served from (admin routes only); when
     * it was added and retired; its card (null when its folder cannot be read here); and the workers that have it
     * loaded now.
     */
    public record VersionView(int version,
            @Schema(allowableValues = {"default", "canary", "active", "retired"}) String status,
            @JsonInclude(JsonInclude.Include.NON_NULL) String path, Instant addedAt, Instant retiredAt,
            ModelCard card, List<String> workers) {
    }
}
