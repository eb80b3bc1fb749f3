package io.nightbake.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** A one-hot feature of the template's factorization model. */
public enum Feature {
    CUSTOMER_ID("customer_id"),
    PRODUCT_ID("product_id"),
    CUSTOMER_REGION("customer.region"),
    PRODUCT_CATEGORY("product.category");

    private final String key;

    Feature(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    static Feature parse(String path, String value) {
        for (Feature feature : values()) {
            if (feature.key.equals(value)) {
                return feature;
            }
        }
        throw new ConfigException("'" + path + "': unknown feature '" + value + "'; allowed values: " + allowed());
    }

    static String allowed() {
        return Arrays.stream(values()).map(Feature::key).collect(Collectors.joining(", "));
    }
}
