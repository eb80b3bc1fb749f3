package io.nightbake.retrain.data;

import io.nightbake.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static io.nightbake.retrain.data.RawParquet.row;
import static org.assertj.core.api.Assertions.assertThat;

class TenantDataRoundTripTest {

    private static final TenantId ACME = TenantId.of("acme");
    private static final Instant T0 = Instant.parse("2026-10-01T12:30:45.123456Z");

    @TempDir
    Path tmp;

    @Test
    void rowsWrittenAreReadBackWithSideFeaturesAndLenientCustomers() {
        Path dir = tmp.resolve("acme");
        TenantDataWriter.write(dir,
                List.of(new CustomerRow("c1", "north", "retail"), new CustomerRow("c2", null, null)),
                List.of(new ProductRow("p1", true, "books"), new ProductRow("p2", false, null),
                        new ProductRow("p3", true, "books")),
                List.of(new InteractionRow("c1", "p1", 4.5, T0, "rating"),
                        new InteractionRow("c2", "p2", 1.0, T0.plusSeconds(60)),
                        new InteractionRow("c9", "p3", 3.0, T0.minusSeconds(86_400), "purchase")));

        TenantDataset data = TenantDataReader.read(ACME, dir);

        assertThat(data.tenant()).isEqualTo(ACME);
        assertThat(data.customerIds()).containsExactly("c1", "c2", "c9");
        assertThat(data.customerIndex("c9")).isEqualTo(2);
        assertThat(data.customerIndex("nobody")).isEqualTo(-1);
        assertThat(data.customerRegion(0)).isEqualTo("north");
        assertThat(data.customerSegment(0)).isEqualTo("retail");
        assertThat(data.customerRegion(1)).isNull();
        assertThat(data.customerRegionCode(1)).isEqualTo(-1);
        assertThat(data.customerRegion(2)).as("customer only seen in interactions").isNull();
        assertThat(data.regions()).containsExactly("north");

        assertThat(data.productIds()).containsExactly("p1", "p2", "p3");
        assertThat(data.productActive(0)).isTrue();
        assertThat(data.productActive(1)).isFalse();
        assertThat(data.productCategory(1)).isNull();
        assertThat(data.productCategory(2)).isEqualTo("books");
        assertThat(data.productCategoryCode(0)).isEqualTo(data.productCategoryCode(2)).isEqualTo(0);
        assertThat(data.categories()).containsExactly("books");

        assertThat(data.interactionCount()).isEqualTo(3);
        assertThat(data.customer(2)).isEqualTo(2);
        assertThat(data.product(2)).isEqualTo(2);
        assertThat(data.value(0)).isEqualTo(4.5);
        assertThat(data.eventTime(0)).isEqualTo(T0);
        assertThat(data.eventTimeMicros(1)).isEqualTo(T0.getEpochSecond() * 1_000_000L + 123_456L + 60_000_000L);
        assertThat(data.eventType(0)).isEqualTo("rating");
        assertThat(data.eventType(1)).isNull();
        assertThat(data.eventType(2)).isEqualTo("purchase");
        assertThat(data.valueColumn()).containsExactly(4.5, 1.0, 3.0);
        assertThat(data.customerColumn()).containsExactly(0, 1, 2);
    }

    @Test
    void datasetRoundTripsAndWritesTheSameBytesTwice() throws IOException {
        TenantDataset.Builder builder = TenantDataset.builder(ACME);
        for (int p = 0; p < 50; p++) {
            builder.addProduct("p" + p, p % 10 != 0, p % 3 == 0 ? null : "cat" + (p % 4));
        }
        for (int c = 0; c < 200; c++) {
            builder.addCustomer("c" + c, c % 5 == 0 ? null : "r" + (c % 4), null);
        }
        for (int i = 0; i < 5_000; i++) {
            builder.addInteraction(i % 200, (i * 7) % 50, 1 + (i % 9) * 0.5, 1_700_000_000_000_000L + i * 1_000L,
                    i % 2 == 0 ? "view" : null);
        }
        TenantDataset original = builder.build();

        TenantDataWriter.write(tmp.resolve("a"), original);
        TenantDataWriter.write(tmp.resolve("b"), original);
        TenantDataset read = TenantDataReader.read(ACME, tmp.resolve("a"));

        for (String file : List.of(DataContract.INTERACTIONS, DataContract.CUSTOMERS, DataContract.PRODUCTS)) {
            assertThat(Files.readAllBytes(tmp.resolve("a").resolve(file)))
                    .as(file).isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(file)));
        }
        assertSameContent(read, original);
        assertThat(tmp.resolve("a")).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
    }

    @Test
    void rewritingATenantReplacesItsFiles() {
        Path dir = tmp.resolve("acme");
        TenantDataWriter.write(dir, List.of(), List.of(new ProductRow("p1", true, null)),
                List.of(new InteractionRow("c1", "p1", 1.0, T0), new InteractionRow("c2", "p1", 2.0, T0)));
        TenantDataWriter.write(dir, List.of(), List.of(new ProductRow("p1", true, null)),
                List.of(new InteractionRow("c3", "p1", 5.0, T0)));

        TenantDataset data = TenantDataReader.read(ACME, dir);

        assertThat(data.customerIds()).containsExactly("c3");
        assertThat(data.interactionCount()).isEqualTo(1);
    }

    @Test
    void readsSparkStyleFilesInt96TimestampsNullableColumnsAndPartFolders() throws IOException {
        Path dir = tmp.resolve("spark");
        // Spark writes nullable columns, INT96 timestamps (legacy) and a folder of part files
        String interactions = "message spark_schema { optional binary customer_id (STRING); "
                + "optional binary product_id (STRING); optional double value; optional int96 event_time; }";
        Path folder = dir.resolve(DataContract.INTERACTIONS);
        RawParquet.write(folder.resolve("part-00000-abc.snappy.parquet"), interactions,
                row("c1", "p1", 4.0, int96(T0)), row("c2", "p1", 2.0, int96(T0.plusSeconds(1))));
        RawParquet.write(folder.resolve("part-00001-abc.snappy.parquet"), interactions,
                row("c1", "p2", 3.5, int96(Instant.parse("1969-12-31T23:59:59.5Z"))));
        Files.writeString(folder.resolve("_SUCCESS"), "");
        Files.writeString(folder.resolve(".part-00000-abc.snappy.parquet.crc"), "crc");
        RawParquet.write(dir.resolve(DataContract.CUSTOMERS),
                "message spark_schema { optional binary customer_id (STRING); optional binary region (STRING); }",
                row("c1", "west"));
        RawParquet.write(dir.resolve(DataContract.PRODUCTS),
                "message spark_schema { optional binary product_id (STRING); optional boolean active; "
                        + "optional binary category (STRING); }",
                row("p1", true, "toys"), row("p2", false, null));

        TenantDataset data = TenantDataReader.read(ACME, dir);

        assertThat(data.interactionCount()).isEqualTo(3);
        assertThat(data.eventTime(0)).isEqualTo(T0);
        assertThat(data.eventTime(1)).isEqualTo(T0.plusSeconds(1));
        assertThat(data.eventTime(2)).isEqualTo(Instant.parse("1969-12-31T23:59:59.5Z"));
        assertThat(data.customerIds()).containsExactly("c1", "c2");
        assertThat(data.customerRegion(0)).isEqualTo("west");
        assertThat(data.productActive(1)).isFalse();
        assertThat(data.eventType(0)).isNull();
    }

    @Test
    void readsMillisecondAndNanosecondTimestampsAndIntegerOrFloatValues() throws IOException {
        long micros = T0.getEpochSecond() * 1_000_000L + T0.getNano() / 1_000;
        writeProducts(tmp.resolve("millis"));
        RawParquet.write(tmp.resolve("millis").resolve(DataContract.INTERACTIONS),
                "message m { required binary customer_id (STRING); required binary product_id (STRING); "
                        + "required int32 value; required int64 event_time (TIMESTAMP(MILLIS,true)); }",
                row("c1", "p1", 3, micros / 1_000));
        writeProducts(tmp.resolve("nanos"));
        RawParquet.write(tmp.resolve("nanos").resolve(DataContract.INTERACTIONS),
                "message m { required binary customer_id (STRING); required binary product_id (STRING); "
                        + "required float value; required int64 event_time (TIMESTAMP(NANOS,false)); }",
                row("c1", "p1", 2.5f, micros * 1_000 + 999));

        TenantDataset millis = TenantDataReader.read(ACME, tmp.resolve("millis"));
        TenantDataset nanos = TenantDataReader.read(ACME, tmp.resolve("nanos"));

        assertThat(millis.eventTimeMicros(0)).isEqualTo(micros / 1_000 * 1_000);
        assertThat(millis.value(0)).isEqualTo(3.0);
        assertThat(nanos.eventTimeMicros(0)).isEqualTo(micros);
        assertThat(nanos.value(0)).isEqualTo(2.5);
    }

    @Test
    void readsManyRowGroupsAndPlainEncodedIdsLikeOtherWriters() throws IOException {
        // 200k distinct ids overflow a 1 MB dictionary: other writers fall back to plain pages
        Path dir = tmp.resolve("big");
        writeProducts(dir);
        Object[][] rows = new Object[200_000][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = row("customer-with-a-long-id-" + i, i % 2 == 0 ? "p1" : "p2", (double) (i % 5),
                    1_700_000_000_000_000L + i);
        }
        RawParquet.write(dir.resolve(DataContract.INTERACTIONS),
                "message m { required binary customer_id (STRING); required binary product_id (STRING); "
                        + "required double value; required int64 event_time (TIMESTAMP(MICROS,true)); }",
                rows);

        TenantDataset data = TenantDataReader.read(ACME, dir);

        assertThat(data.interactionCount()).isEqualTo(200_000);
        assertThat(data.customerCount()).isEqualTo(200_000);
        assertThat(data.customerId(data.customer(123_456))).isEqualTo("customer-with-a-long-id-123456");
        assertThat(data.productId(data.product(123_457))).isEqualTo("p2");
        assertThat(data.eventTimeMicros(199_999)).isEqualTo(1_700_000_000_000_000L + 199_999);
    }

    private static void writeProducts(Path dir) {
        TenantDataWriter.writeProducts(createdDir(dir).resolve(DataContract.PRODUCTS),
                List.of(new ProductRow("p1", true, null), new ProductRow("p2", true, null)));
        TenantDataWriter.writeCustomers(dir.resolve(DataContract.CUSTOMERS), List.of());
    }

    private static Path createdDir(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static org.apache.parquet.io.api.Binary int96(Instant instant) {
        long days = Math.floorDiv(instant.getEpochSecond(), 86_400L);
        long nanosOfDay = Math.floorMod(instant.getEpochSecond(), 86_400L) * 1_000_000_000L + instant.getNano();
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(nanosOfDay).putInt((int) (days + 2_440_588L));
        return org.apache.parquet.io.api.Binary.fromConstantByteArray(bytes.array());
    }

    static void assertSameContent(TenantDataset actual, TenantDataset expected) {
        assertThat(actual.customerIds()).isEqualTo(expected.customerIds());
        assertThat(actual.productIds()).isEqualTo(expected.productIds());
        for (int c = 0; c < expected.customerCount(); c++) {
            assertThat(actual.customerRegion(c)).isEqualTo(expected.customerRegion(c));
            assertThat(actual.customerSegment(c)).isEqualTo(expected.customerSegment(c));
        }
        for (int p = 0; p < expected.productCount(); p++) {
            assertThat(actual.productActive(p)).isEqualTo(expected.productActive(p));
            assertThat(actual.productCategory(p)).isEqualTo(expected.productCategory(p));
        }
        assertThat(actual.customerColumn()).isEqualTo(expected.customerColumn());
        assertThat(actual.productColumn()).isEqualTo(expected.productColumn());
        assertThat(actual.valueColumn()).isEqualTo(expected.valueColumn());
        assertThat(actual.eventTimeMicrosColumn()).isEqualTo(expected.eventTimeMicrosColumn());
        for (int i = 0; i < expected.interactionCount(); i++) {
            if (!java.util.Objects.equals(actual.eventType(i), expected.eventType(i))) {
                assertThat(actual.eventType(i)).as("event type %d", i).isEqualTo(expected.eventType(i));
            }
        }
    }
}
