package io.nightbake.tenant;

/** What the nightly run does for a tenant. */
public enum TenantState {
    /** Retrain, gate, prebake and publish. */
    ON,
    /** Keep the current champion (no retraining) but still prebake and publish with it. */
    FROZEN,
    /** No work at all; recommendations are unpublished and lookups answer "off". */
    OFF;

    public boolean retrains() {
        return this == ON;
    }

    public boolean prebakes() {
        return this != OFF;
    }
}
