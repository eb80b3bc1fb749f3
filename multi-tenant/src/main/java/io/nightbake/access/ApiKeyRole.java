package io.nightbake.access;

/** What a key may do. */
public enum ApiKeyRole {
    /** Everything, including the admin API. */
    OPERATOR,
    /** Read one tenant's recommendations and state, nothing else. */
    TENANT
}
