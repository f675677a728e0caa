package dev.inferq.gateway;

import dev.inferq.common.config.JobPlatformConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** The HTTP front door: accepts jobs, queues them on Kafka, answers status from Redis. */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(JobPlatformConfiguration.class)
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
