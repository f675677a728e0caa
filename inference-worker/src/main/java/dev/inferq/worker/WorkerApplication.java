package dev.inferq.worker;

import dev.inferq.common.config.JobPlatformConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** The inference worker: consumes each served model's job topic, classifies in batches, stores results in Redis. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(JobPlatformConfiguration.class)
public class WorkerApplication {

    public static void main(String[] args) {
        // Models and libtorch come from local files. Without this DJL still probes the network (model zoo, native
        // library downloads); a worker must never download at run time, and fails fast instead of hanging offline.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        SpringApplication.run(WorkerApplication.class, args);
    }
}
