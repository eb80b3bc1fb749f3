package io.nightbake.feedback;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings under {@code nightbake.feedback.*}.
 *
 * @param maxBatch            events per POST (at most)
 * @param maxAge              how far in the past an event's time may lie
 * @param maxFuture           how far in the future an event's time may lie (clock skew of the client)
 * @param idempotencyWindow   how long an eventId is remembered after it was received: a retry within it never counts
 * @param retentionDays       compacted feedback days kept under each tenant's folder (older date= folders deleted)
 * @param switchedOffShare    the fleet health warns when more than this share of tenants switched OFF in 7 days
 * @param ctrDropAlpha        significance level of the "CTR fell after a promotion" warning (one-sided z-test)
 */
@ConfigurationProperties("nightbake.feedback")
public record FeedbackSettings(@DefaultValue("1000") int maxBatch,
                               @DefaultValue("365d") Duration maxAge,
                               @DefaultValue("5m") Duration maxFuture,
                               @DefaultValue("30d") Duration idempotencyWindow,
                               @DefaultValue("400") int retentionDays,
                               @DefaultValue("0.1") double switchedOffShare,
                               @DefaultValue("0.01") double ctrDropAlpha) {
}
