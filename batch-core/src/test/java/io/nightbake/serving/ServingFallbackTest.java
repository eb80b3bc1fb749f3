package io.nightbake.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.client.ServingFile;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a served index comes from: the serving file, else the Parquet, else the newest readable kept snapshot. */
class ServingFallbackTest {

    private static final LocalDate RUN_DATE = LocalDate.of(2026, 10, 31);
    private static final Instant BUILT_AT = Instant.parse("2026-10-31T02:00:00Z");

    @TempDir
    Path home;

    private final TenantId acme = TenantId.of("acme");
    private TenantRegistry tenants;
    private SnapshotRegistry snapshots;

    @BeforeEach
    void setUp() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        tenants = new TenantRegistry(ds, Clock.systemUTC());
        tenants.register(acme, TenantState.ON, "test", "test");
        snapshots = new SnapshotRegistry(ds, Clock.systemUTC());
    }

    /** Writes a snapshot's Parquet (one customer, one product) and, when asked, its serving file; publishes it. */
    private Snapshot publish(String snapshotId, String product, boolean servingFile) {
        Path parquet = home.resolve(snapshotId).resolve(RecommendationsFile.FILE_NAME);
        TestSnapshots.write(parquet, "acme", 3, RUN_DATE, "c1", product, 0.5);
        if (servingFile) {
            TenantSnapshotIndex.load(parquet, snapshotId, BUILT_AT).writeServingFile(ServingFile.beside(parquet));
        }
        Snapshot snapshot = new Snapshot(acme, snapshotId, RUN_DATE, 3, parquet.toString(), 1, 1, BUILT_AT);
        snapshots.publish(snapshot, "test", "test");
        return snapshot;
    }

    private ServingService started() {
        ServingService serving = new ServingService(snapshots, tenants, true);
        assertThat(serving.loaded()).isFalse();
        serving.start();
        assertThat(serving.loaded()).isTrue();
        return serving;
    }

    private static void damage(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
    }

    @Test
    void aLookupDuringTheFirstLoadLoadsItsTenantAtOnce() throws Exception {
        publish("s1", "p1", true);
        tenants.register(TenantId.of("other"), TenantState.ON, "test", "test");
        ServingService serving = new ServingService(snapshots, tenants, true);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        serving.beforeFirstLoadOf = tenant -> {
            try {
                release.await(); // the bulk load takes no tenant until the lookup below has been answered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread start = new Thread(serving::start);
        start.start();
        while (serving.loadingProgress()[1] == 0) {
            Thread.sleep(5); // until the pointers are read
        }

        assertThat(serving.index().get("acme")).isNull();
        assertThat(serving.served("acme").lookup("c1", 10).productId(0)).isEqualTo("p1");
        assertThat(serving.served("other")).isNull(); // known tenant, nothing published
        assertThat(serving.loaded()).isFalse();

        release.countDown();
        start.join(10_000);
        assertThat(serving.loaded()).isTrue();
        assertThat(serving.loadingProgress()).containsExactly(1, 1);
        assertThat(serving.index().get("acme").snapshotId()).isEqualTo("s1");
        assertThat(serving.status("acme").source()).isEqualTo(ServingService.Source.SERVING_FILE);
    }

    @Test
    void aGoodServingFileIsMappedWithoutParsingParquet() throws Exception {
        Snapshot s1 = publish("s1", "p1", true);
        Files.delete(Path.of(s1.path())); // the Parquet is not needed to serve

        ServingService serving = started();

        TenantSnapshotIndex index = serving.index().get("acme");
        assertThat(index.isMapped()).isTrue();
        assertThat(index.lookup("c1", 10).productId(0)).isEqualTo("p1");
        assertThat(serving.status("acme").source()).isEqualTo(ServingService.Source.SERVING_FILE);
        assertThat(serving.status("acme").problem()).isNull();
    }

    @Test
    void aMissingServingFileIsBuiltFromParquetAndWrittenAgain() {
        Snapshot s1 = publish("s1", "p1", false);

        ServingService serving = started();

        assertThat(serving.index().get("acme").lookup("c1", 10).productId(0)).isEqualTo("p1");
        ServingService.TenantStatus status = serving.status("acme");
        assertThat(status.source()).isEqualTo(ServingService.Source.PARQUET);
        assertThat(status.problem()).contains("does not exist", "built from the Parquet lists",
                "serving file written again");
        assertThat(ServingFile.beside(Path.of(s1.path()))).exists();
        // the next start maps the rewritten file
        assertThat(started().status("acme").source()).isEqualTo(ServingService.Source.SERVING_FILE);
    }

    @Test
    void aDamagedServingFileAndParquetFallBackToTheNewestReadableKeptSnapshot() throws Exception {
        publish("s1", "p1", true);
        publish("s2", "p2", true);
        Snapshot s3 = publish("s3", "p3", true);
        damage(ServingFile.beside(Path.of(s3.path())));
        Files.writeString(Path.of(s3.path()), "not parquet");

        ServingService serving = started();

        TenantSnapshotIndex index = serving.index().get("acme");
        assertThat(index.snapshotId()).isEqualTo("s2");
        assertThat(index.lookup("c1", 10).productId(0)).isEqualTo("p2");
        ServingService.TenantStatus status = serving.status("acme");
        assertThat(status.source()).isEqualTo(ServingService.Source.KEPT_SNAPSHOT);
        assertThat(status.publishedSnapshot()).isEqualTo("s3");
        assertThat(status.servedSnapshot()).isEqualTo("s2");
        assertThat(status.problem()).contains("snapshot s3 cannot be loaded", "fails its checksum",
                "not a readable Parquet file", "newest readable kept snapshot s2");
        assertThat(serving.problems()).containsOnlyKeys("acme");

        // a refresh does not retry the broken snapshot; a new publication replaces it
        serving.refresh();
        assertThat(serving.index().get("acme").snapshotId()).isEqualTo("s2");
        publish("s4", "p4", true);
        serving.refresh();
        assertThat(serving.index().get("acme").snapshotId()).isEqualTo("s4");
        assertThat(serving.problems()).isEmpty();
    }

    /** What other processes change in the registry, a refresh follows: pointer moves, unpublishing, states, new tenants. */
    @Test
    void aRefreshFollowsWhatAnotherProcessChanged() {
        publish("s1", "p1", true);
        ServingService serving = started();
        publish("s2", "p2", true);
        serving.refresh();
        assertThat(serving.index().get("acme").snapshotId()).isEqualTo("s2");

        snapshots.rollback(acme, "ops", "s2 looks wrong");
        serving.refresh();
        assertThat(serving.index().get("acme").snapshotId()).isEqualTo("s1");

        TenantId beta = TenantId.of("beta");
        tenants.register(beta, TenantState.FROZEN, "test", "test");
        tenants.setState(acme, TenantState.OFF, "ops", "paused");
        snapshots.unpublish(acme, "ops", "paused");
        serving.refresh();
        assertThat(serving.index().get("acme")).isNull();
        assertThat(serving.state("acme")).isEqualTo(TenantState.OFF);
        assertThat(serving.state("beta")).isEqualTo(TenantState.FROZEN);
    }

    @Test
    void aBrokenPublicationWhileServingKeepsTheServedSnapshot() throws Exception {
        publish("s1", "p1", true);
        ServingService serving = started();
        Snapshot s2 = publish("s2", "p2", false);
        Files.writeString(Path.of(s2.path()), "not parquet");

        serving.refresh();

        assertThat(serving.index().get("acme").snapshotId()).isEqualTo("s1");
        assertThat(serving.status("acme").problem()).contains("snapshot s2 cannot be loaded", "keeps serving s1");
    }

    @Test
    void armsFromTheParquetArmColumnReachTheIndex() {
        Path parquet = home.resolve("arms").resolve(RecommendationsFile.FILE_NAME);
        MessageType schema = Types.buildMessage()
                .addFields(RecommendationsFile.SCHEMA.getFields().toArray(new org.apache.parquet.schema.Type[0]))
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("arm")
                .named("recommendations");
        writeRows(parquet, schema, new Object[][] {
                {"a", 1, "p1", 0.9, 3, "champion"}, {"a", 2, "p2", 0.8, 3, "champion"},
                {"b", 1, "p3", 0.7, 4, "challenger"},
                {"c", 1, "p1", 0.6, 3, null}});

        TenantSnapshotIndex index = TenantSnapshotIndex.load(parquet, "s-arms", BUILT_AT);

        assertThat(index.armCount()).isEqualTo(2);
        assertThat(index.modelVersion()).isEqualTo(3);
        TenantSnapshotIndex.Lookup b = index.lookup("b", 10);
        assertThat(index.armName(b.arm())).isEqualTo("challenger");
        assertThat(index.armModelVersion(b.arm())).isEqualTo(4);
        assertThat(index.recommendationId(b.arm())).isEqualTo("nbr1.acme.s-arms.4.challenger");
        assertThat(index.armName(index.lookup("c", 10).arm())).isEqualTo("champion");
        assertThat(index.armName(index.lookup("a", 10).arm())).isEqualTo("champion");

        // a customer split across arms breaks the contract
        writeRows(parquet, schema, new Object[][] {{"a", 1, "p1", 0.9, 3, "champion"}, {"a", 2, "p2", 0.8, 4, "challenger"}});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TenantSnapshotIndex.load(parquet, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining("column 'arm'")
                .hasMessageContaining("customer 'a' has rows in arms 'champion' and 'challenger'");
    }

    private static void writeRows(Path file, MessageType schema, Object[][] rows) {
        try {
            Files.createDirectories(file.getParent());
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema)
                    .withConf(new PlainParquetConfiguration()).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
                SimpleGroupFactory groups = new SimpleGroupFactory(schema);
                for (Object[] row : rows) {
                    Group g = groups.newGroup();
                    g.append(RecommendationsFile.TENANT_ID, "acme");
                    g.append(RecommendationsFile.CUSTOMER_ID, (String) row[0]);
                    g.append(RecommendationsFile.RANK, (Integer) row[1]);
                    g.append(RecommendationsFile.PRODUCT_ID, (String) row[2]);
                    g.append(RecommendationsFile.SCORE, (Double) row[3]);
                    g.append(RecommendationsFile.MODEL_VERSION, (Integer) row[4]);
                    g.append(RecommendationsFile.RUN_DATE, (int) RUN_DATE.toEpochDay());
                    if (row[5] != null) {
                        g.append("arm", (String) row[5]);
                    }
                    writer.write(g);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
