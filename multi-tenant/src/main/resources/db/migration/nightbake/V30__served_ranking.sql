-- What a model version publishes (issue 9): the served ranking chosen on the holdout and why, the ranking guard's
-- verdict against the popularity baseline, the lists' coverage figures, and the training cutoff of the exported
-- (refitted) model, which the next night's holdout must lie beyond. One row per version that has it; versions
-- registered before this migration have none. Portable SQL: runs on H2 and PostgreSQL.
CREATE TABLE nb_served_ranking (
    tenant_id              VARCHAR(63)      NOT NULL,
    version                INT              NOT NULL,
    ranking                VARCHAR(200)     NOT NULL,
    reason                 VARCHAR(1000)    NOT NULL,
    guard                  VARCHAR(20)      NOT NULL,
    ndcg_at_k              DOUBLE PRECISION,
    popularity_ndcg_at_k   DOUBLE PRECISION,
    coverage               DOUBLE PRECISION,
    popularity_coverage    DOUBLE PRECISION,
    distinct_products      INT,
    top_product_share      DOUBLE PRECISION,
    trained_through_micros BIGINT           NOT NULL,
    -- no foreign key to nb_model_version, so retention may delete old versions without knowing this table
    PRIMARY KEY (tenant_id, version)
);
