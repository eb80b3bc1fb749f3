package io.nightbake.retrain.data;

import java.util.Objects;

/** One row of {@code products.parquet}; category may be null. */
public record ProductRow(String productId, boolean active, String category) {

    public ProductRow {
        Objects.requireNonNull(productId, "productId");
    }
}
