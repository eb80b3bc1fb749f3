package io.nightbake.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process reader against a real snapshot registry (H2): pointer following, swaps, fallback, allocation. */
class NightbakeReaderTest {

    @TempDir
    Path home;

    private final TenantId acme = TenantId.of("acme");
    private SnapshotRegistry registry;
    private JdbcDataSource ds;

    @BeforeEach
    void setUp() {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        new TenantRegistry(ds, Clock.systemUTC()).register(acme, TenantState.ON, "test", "test");
        registry = new SnapshotRegistry(ds, Clock.systemUTC());
    }

    /** Writes a snapshot's serving file (and names its Parquet path, which the reader never reads) and publishes it. */
    private Snapshot publish(String snapshotId, TestContent content) {
        Path parquet = home.resolve("snapshots/acme").resolve(snapshotId).resolve("recommendations.parquet");
        ServingFile.write(ServingFile.encode(content.content()), ServingFile.beside(parquet));
        Snapshot snapshot = new Snapshot(acme, snapshotId, LocalDate.of(2026, 10, 31), 3, parquet.toString(), 2, 3,
                Instant.now());
        registry.publish(snapshot, "test", "test");
        return snapshot;
    }

    @Test
    void followsThePublishedPointerAndSwapsSnapshots() {
        publish("s1", new TestContent("acme", "s1").customer("c1", "p1", "p2").customer("c2"));
        try (NightbakeReader reader = NightbakeReader.open(SnapshotPointers.registry(ds), null)) {
            Recommendations out = new Recommendations();
            assertThat(reader.lookup("acme", "c1", 10, out)).isEqualTo(NightbakeReader.Outcome.FOUND);
            assertThat(out.size()).isEqualTo(2);
            assertThat(out.productId(0)).isEqualTo("p1");
            assertThat(out.arm()).isEqualTo("champion");
            assertThat(out.modelVersion()).isEqualTo(3);
            assertThat(out.snapshotId()).isEqualTo("s1");
            assertThat(reader.lookup("acme", "c1", 1, out)).isEqualTo(NightbakeReader.Outcome.FOUND);
            assertThat(out.size()).isEqualTo(1);
            assertThat(out.available()).isEqualTo(2);
            assertThat(reader.lookup("acme", "c2", 10, out)).isEqualTo(NightbakeReader.Outcome.FOUND);
            assertThat(out.size()).isZero();
            assertThat(reader.lookup("acme", "nobody", 10, out)).isEqualTo(NightbakeReader.Outcome.UNKNOWN_CUSTOMER);
            assertThat(reader.lookup("globex", "c1", 10, out)).isEqualTo(NightbakeReader.Outcome.NOT_PUBLISHED);

            publish("s2", new TestContent("acme", "s2").customer("c1", "p9"));
            reader.refresh();
            assertThat(reader.lookup("acme", "c1", 10, out)).isEqualTo(NightbakeReader.Outcome.FOUND);
            assertThat(out.snapshotId()).isEqualTo("s2");
            assertThat(out.productId(0)).isEqualTo("p9");

            registry.rollback(acme, "test", "back");
            reader.refresh();
            assertThat(reader.snapshot("acme").snapshotId()).isEqualTo("s1");

            registry.unpublish(acme, "test", "off");
            reader.refresh();
            assertThat(reader.lookup("acme", "c1", 10, out)).isEqualTo(NightbakeReader.Outcome.NOT_PUBLISHED);
            assertThat(reader.tenants()).isEmpty();
        }
    }

    @Test
    void aDamagedPublishedFileFallsBackToTheNewestReadableKeptSnapshot() throws Exception {
        publish("s1", new TestContent("acme", "s1").customer("c1", "p1"));
        publish("s2", new TestContent("acme", "s2").customer("c1", "p2"));
        Snapshot s3 = publish("s3", new TestContent("acme", "s3").customer("c1", "p3"));
        Path broken = ServingFile.beside(Path.of(s3.path()));
        byte[] bytes = Files.readAllBytes(broken);
        bytes[bytes.length - 1] ^= 1;
        Files.write(broken, bytes);

        try (NightbakeReader reader = NightbakeReader.open(SnapshotPointers.registry(ds), null)) {
            assertThat(reader.snapshot("acme").snapshotId()).isEqualTo("s2");
            assertThat(reader.problems().get("acme")).contains("snapshot s3 cannot be served", "checksum",
                    "newest readable kept snapshot s2");

            // a new publication that opens clears the problem
            publish("s4", new TestContent("acme", "s4").customer("c1", "p4"));
            reader.refresh();
            assertThat(reader.snapshot("acme").snapshotId()).isEqualTo("s4");
            assertThat(reader.problems()).isEmpty();

            // a damaged publication while serving keeps the served snapshot
            Snapshot s5 = publish("s5", new TestContent("acme", "s5").customer("c1", "p5"));
            Files.delete(ServingFile.beside(Path.of(s5.path())));
            reader.refresh();
            assertThat(reader.snapshot("acme").snapshotId()).isEqualTo("s4");
            assertThat(reader.problems().get("acme")).contains("does not exist", "keeps serving s4");
        }
    }

    @Test
    void aLookupAllocatesNothing() {
        TestContent content = new TestContent("acme", "s1");
        String[] customers = new String[2000];
        for (int c = 0; c < customers.length; c++) {
            customers[c] = "customer-" + c;
            content.customer(customers[c], "p" + c % 50, "p" + (c + 1) % 50, "p" + (c + 2) % 50);
        }
        publish("s1", content);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (NightbakeReader reader = NightbakeReader.open(SnapshotPointers.registry(ds), null)) {
            Recommendations out = new Recommendations();
            long checksum = 0;
            // warm up: JIT-compile the path and decode each product id once
            for (int round = 0; round < 20; round++) {
                checksum += lookUpAll(reader, customers, out);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int round = 0; round < 50; round++) {
                checksum += lookUpAll(reader, customers, out);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertThat(checksum).isPositive();
            // 100,000 lookups; a single object per lookup would be over 1.6 MB
            assertThat(allocated).isLessThan(64 * 1024);
        }
    }

    private static long lookUpAll(NightbakeReader reader, String[] customers, Recommendations out) {
        long sum = 0;
        for (String customer : customers) {
            if (reader.lookup("acme", customer, 10, out) == NightbakeReader.Outcome.FOUND) {
                for (int i = 0; i < out.size(); i++) {
                    sum += out.productId(i).length() + (long) (out.score(i) * 8);
                }
                sum += out.arm().length();
            }
        }
        return sum;
    }
}
