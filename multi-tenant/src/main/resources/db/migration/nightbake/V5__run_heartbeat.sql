-- Liveness of running nightly executions: the owning process refreshes heartbeat_at while the run goes on, so that
-- a run whose process died (kill -9, machine loss) can be told from one still running on another node.
CREATE TABLE nb_run_heartbeat (
    job_execution_id  BIGINT                   NOT NULL PRIMARY KEY,
    owner             VARCHAR(200)             NOT NULL,
    started_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
