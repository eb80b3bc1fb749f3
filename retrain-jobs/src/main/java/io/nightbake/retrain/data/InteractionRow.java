package io.nightbake.retrain.data;

import java.time.Instant;
import java.util.Objects;

/** One row of {@code interactions.parquet}; event type may be null. Times are stored in microseconds. */
public record InteractionRow(String customerId, String productId, double value, Instant eventTime, String eventType) {

    public InteractionRow {
        Objects.requireNonNull(customerId, "customerId");
        Objects.requireNonNull(productId, "productId");
        Objects.requireNonNull(eventTime, "eventTime");
    }

    public InteractionRow(String customerId, String productId, double value, Instant eventTime) {
        this(customerId, productId, value, eventTime, null);
    }

    /** The event time in microseconds since the epoch (sub-microsecond precision is dropped). */
    public long eventTimeMicros() {
        return Math.addExact(Math.multiplyExact(eventTime.getEpochSecond(), 1_000_000L), eventTime.getNano() / 1_000);
    }
}
