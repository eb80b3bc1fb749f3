-- Tenants retired for good (retire-tenant): kept OFF, never turned back on by accident; their audit trail stays.
CREATE TABLE nb_retired_tenant (
    tenant_id   VARCHAR(63)              NOT NULL PRIMARY KEY REFERENCES nb_tenant (tenant_id),
    retired_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    retired_by  VARCHAR(200)             NOT NULL,
    reason      VARCHAR(1000)            NOT NULL,
    data_deleted BOOLEAN                 NOT NULL
);
