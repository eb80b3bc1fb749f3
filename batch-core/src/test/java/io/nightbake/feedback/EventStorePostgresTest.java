package io.nightbake.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.ops.Postgres;
import io.nightbake.tenant.TenantId;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Idempotency on PostgreSQL: the same batch retried concurrently is stored once and counted once. */
class EventStorePostgresTest {

    @Test
    void concurrentRetriesOfOneBatchAreAcceptedExactlyOnce() throws Exception {
        String schema = Postgres.newSchema();
        try (Connection c = DriverManager.getConnection(Postgres.URL, Postgres.USER, "")) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        }
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(Postgres.url(schema));
        dataSource.setUser(Postgres.USER);
        Jdbc.migrate(dataSource);
        EventStore store = new EventStore(dataSource, Clock.systemUTC());
        TenantId tenant = TenantId.of("acme");
        List<FeedbackEvent> batch = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < 300; i++) {
            batch.add(new FeedbackEvent("e-" + (i % 250), "c" + i, "p" + i, FeedbackEventType.IMPRESSION, null, now, null, null));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<boolean[]>> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            results.add(pool.submit(() -> store.insert(tenant, batch)));
        }
        int accepted = 0;
        for (Future<boolean[]> result : results) {
            for (boolean fresh : result.get()) {
                accepted += fresh ? 1 : 0;
            }
        }
        pool.shutdown();
        assertThat(accepted).as("250 distinct event ids (50 repeated within the batch)").isEqualTo(250);
        assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_event")).isEqualTo(250);
        assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_event_key")).isEqualTo(250);
    }
}
