package io.nightbake.access;

/**
 * A key just created, with its secret: the only time the secret exists outside the caller's hands. Show it once,
 * never log it ({@link #toString()} leaves it out).
 */
public record CreatedApiKey(ApiKey key, String secret) {

    @Override
    public String toString() {
        return "CreatedApiKey[" + key + ", secret=<hidden>]";
    }
}
