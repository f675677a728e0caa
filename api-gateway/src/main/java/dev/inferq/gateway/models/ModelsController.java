package dev.inferq.gateway.models;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelTask;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lists the models this platform serves. */
@RestController
public class ModelsController {

    private final ModelCatalog catalog;

    public ModelsController(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @GetMapping("/v1/models")
    public ModelList list() {
        return new ModelList(catalog.all().stream()
                .map(m -> new ModelInfo(m.name(), m.task(), m.labels()))
                .toList());
    }

    /** The answer of {@code GET /v1/models}. */
    public record ModelList(List<ModelInfo> models) {
    }

    /** One model as clients see it. */
    public record ModelInfo(String name, ModelTask task, List<String> labels) {
    }
}
