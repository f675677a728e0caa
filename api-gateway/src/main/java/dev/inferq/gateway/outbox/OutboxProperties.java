package dev.inferq.gateway.outbox;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The outbox sweep ({@code inferq.gateway.outbox.*}): how every gateway finds accepted jobs whose Kafka publish never
 * happened (their gateway died between the record and the publish) and publishes or ends them. A job whose gateway
 * died is published at most {@code grace} + {@code interval} after it was accepted while a gateway runs and Kafka
 * takes it (plus one {@code lease} if the sweep that took it died too), and ends FAILED ({@code publish_failed}) once
 * it is {@code give-up} old and still not in Kafka.
 *
 * @param grace how old an unconfirmed job must be before a sweep publishes it; longer than the gateway's
 *     {@code publish-timeout}, so that a sweep does not race an accept still in progress
 * @param interval how often each gateway sweeps
 * @param lease how long a job taken by one gateway's sweep is left alone by the others
 * @param batch most jobs one sweep takes
 * @param giveUp age at which a job that still could not be published ends FAILED
 * @param queueChecked how many of the oldest entries of each model's queue a sweep checks for a record that is gone
 * @param crashBeforePublishOnInput test only (the {@code gateway-crash-mid-accept} fault scenario): the gateway halts
 *     after storing a job whose first text is this, before publishing it; empty (the default): off
 */
@ConfigurationProperties("inferq.gateway.outbox")
public record OutboxProperties(
        @DefaultValue("30s") Duration grace,
        @DefaultValue("5s") Duration interval,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("100") int batch,
        @DefaultValue("10m") Duration giveUp,
        @DefaultValue("100") int queueChecked,
        @DefaultValue("") String crashBeforePublishOnInput) {
}
