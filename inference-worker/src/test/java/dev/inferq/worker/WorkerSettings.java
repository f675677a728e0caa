package dev.inferq.worker;

import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@link WorkerProperties} as the application binds them: the defaults, with some {@code inferq.worker.*} keys set. */
public final class WorkerSettings {

    private WorkerSettings() {
    }

    /** @param settings keys relative to {@code inferq.worker}, e.g. {@code max-batch-size} */
    public static WorkerProperties of(Map<String, String> settings) {
        MapConfigurationPropertySource source = new MapConfigurationPropertySource();
        settings.forEach((key, value) -> source.put("inferq.worker." + key, value));
        return new Binder(source).bindOrCreate("inferq.worker", WorkerProperties.class);
    }
}
