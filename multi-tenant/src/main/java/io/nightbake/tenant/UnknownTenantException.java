package io.nightbake.tenant;

public class UnknownTenantException extends RuntimeException {
    public UnknownTenantException(TenantId id) {
        super("unknown tenant '" + id + "'");
    }
}
