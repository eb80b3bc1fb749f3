package io.nightbake.retrain.data;

import java.util.Objects;

/** One row of {@code customers.parquet}; region and segment may be null. */
public record CustomerRow(String customerId, String region, String segment) {

    public CustomerRow {
        Objects.requireNonNull(customerId, "customerId");
    }

    public CustomerRow(String customerId, String region) {
        this(customerId, region, null);
    }
}
