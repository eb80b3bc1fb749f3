package io.nightbake.retrain.importer;

/** How an import splits its source into tenants. */
public enum TenantBy {
    /** One tenant per value of the source's country column. */
    COUNTRY
}
