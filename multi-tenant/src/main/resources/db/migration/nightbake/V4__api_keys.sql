-- API keys: one or more per tenant (read that tenant's recommendations and state) and operator keys (everything).
-- Only a hash of each key is stored; the key itself is shown once, when it is created. Portable SQL (H2, PostgreSQL).

CREATE TABLE nb_api_key (
    public_id      VARCHAR(32)              NOT NULL PRIMARY KEY,  -- the non-secret part of the key, names it in lists and logs
    key_hash       VARCHAR(64)              NOT NULL UNIQUE,       -- hex SHA-256 of the whole key
    role           VARCHAR(10)              NOT NULL,              -- OPERATOR or TENANT
    tenant_id      VARCHAR(63)              REFERENCES nb_tenant (tenant_id),  -- null for operator keys
    name           VARCHAR(100)             NOT NULL,              -- who or what uses the key; the audit trail's "who"
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by     VARCHAR(200)             NOT NULL,
    revoked_at     TIMESTAMP WITH TIME ZONE,
    revoked_by     VARCHAR(200),
    revoke_reason  VARCHAR(1000),
    CONSTRAINT nb_api_key_role CHECK ((role = 'OPERATOR' AND tenant_id IS NULL) OR (role = 'TENANT' AND tenant_id IS NOT NULL))
);

CREATE INDEX nb_api_key_tenant ON nb_api_key (tenant_id);
