package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** inferq.gateway.job-list.* as Spring binds it: the defaults, and refusals that name the setting. */
class JobListPropertiesBindingTest {

    private static JobListProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("inferq.gateway.job-list", JobListProperties.class);
    }

    @Test
    void byDefaultATenantsListKeepsTenThousandJobsAndAFilteredPageReadsAThousandEntries() {
        assertThat(bind(Map.of())).isEqualTo(new JobListProperties(10_000, 100, 10));
        assertThat(bind(Map.of("inferq.gateway.job-list.max-jobs", "500", "inferq.gateway.job-list.max-chunks", "3")))
                .isEqualTo(new JobListProperties(500, 100, 3));
    }

    @Test
    void limitsThatCannotWorkAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> bind(Map.of("inferq.gateway.job-list.max-jobs", "0")))
                .rootCause().hasMessage("inferq.gateway.job-list.max-jobs must be at least 1, not 0");
        assertThatThrownBy(() -> bind(Map.of("inferq.gateway.job-list.chunk", "0")))
                .rootCause().hasMessageContaining("inferq.gateway.job-list.chunk must be from 1 to 10000");
        assertThatThrownBy(() -> bind(Map.of("inferq.gateway.job-list.max-chunks", "-1")))
                .rootCause().hasMessageContaining("inferq.gateway.job-list.max-chunks must be at least 1");
    }
}
