package dev.inferq.worker.inference.variant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.worker.TinyModels;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.WorkerSettings;
import dev.inferq.worker.inference.ModelRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The operator's settings for variants: a pin per model and the measuring budget, as the application binds them. */
class VariantSettingsIT {

    @Test
    void aVariantIsPinnedPerModelByPropertyOrEnvironmentVariable() {
        assertThat(WorkerSettings.of(Map.of("variant.image", "image_int8")).variant())
                .containsExactly(Map.entry("image", "image_int8"));

        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("INFERQ_WORKER_VARIANT_IMAGE", "image_bf16")));
        WorkerProperties fromEnv = new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("inferq.worker", WorkerProperties.class);

        assertThat(fromEnv.variant()).containsExactly(Map.entry("image", "image_bf16"));
    }

    @Test
    void aPinForAModelTheFolderDoesNotHaveStopsTheStartNamingIt() {
        assertThatThrownBy(() -> new ModelRegistry(TinyModels.catalog(),
                WorkerSettings.of(Map.of("variant.iamge", "image_int8")), TinyModels.IMAGES))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("inferq.worker.variant.iamge pins a variant of model 'iamge', which is not in the models"
                        + " folder; its models are [disaster, image, sentiment]");
    }

    @Test
    void theBudgetDefaultsToTenSecondsAndMustNotBeNegative() {
        assertThat(WorkerSettings.of(Map.of()).variantSelection().budget()).isEqualTo(Duration.ofSeconds(10));
        assertThat(WorkerSettings.of(Map.of()).variant()).isEmpty();
        assertThat(WorkerSettings.of(Map.of("variant-selection.budget", "3s")).variantSelection().budget())
                .isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> WorkerSettings.of(Map.of("variant-selection.budget", "-1s")))
                .hasRootCauseMessage("inferq.worker.variant-selection.budget must not be negative, was PT-1S");
    }
}
