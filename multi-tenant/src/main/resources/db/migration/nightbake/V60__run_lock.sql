-- One nightly run at a time across every process and node sharing the database: the launcher inserts the single
-- row before it starts a night and deletes it when the night ends; the owner refreshes heartbeat_at while it runs,
-- so crash recovery can release the lock of a process that died.
CREATE TABLE nb_run_lock (
    lock_name     VARCHAR(32)              NOT NULL PRIMARY KEY,
    run_date      DATE                     NOT NULL,
    owner         VARCHAR(200)             NOT NULL,
    acquired_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Scheduled nights that could not run (the lock stayed held for the whole wait window): shown by health and metrics
-- until the date runs.
CREATE TABLE nb_skipped_night (
    run_date    DATE                     NOT NULL PRIMARY KEY,
    reason      VARCHAR(1000)            NOT NULL,
    skipped_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
