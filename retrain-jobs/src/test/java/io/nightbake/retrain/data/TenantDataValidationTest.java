package io.nightbake.retrain.data;

import io.nightbake.tenant.TenantId;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.nightbake.retrain.data.RawParquet.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every way a tenant folder can break the contract fails with tenant, file and column named. */
class TenantDataValidationTest {

    private static final TenantId ACME = TenantId.of("acme");
    private static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");
    private static final long T0_MICROS = T0.getEpochSecond() * 1_000_000L;
    private static final String INTERACTIONS_SCHEMA = "message m { required binary customer_id (STRING); "
            + "required binary product_id (STRING); required double value; "
            + "required int64 event_time (TIMESTAMP(MICROS,true)); }";

    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void goodTenant() {
        dir = tmp.resolve("acme");
        TenantDataWriter.write(dir,
                List.of(new CustomerRow("c1", "north")),
                List.of(new ProductRow("p1", true, "books"), new ProductRow("p2", false, null)),
                List.of(new InteractionRow("c1", "p1", 4.0, T0), new InteractionRow("c2", "p2", 2.0, T0)));
        assertThat(TenantDataReader.read(ACME, dir).interactionCount()).isEqualTo(2);
    }

    @Test
    void missingTenantFolder() {
        assertFailure(() -> TenantDataReader.read(ACME, tmp.resolve("nobody")), DataContract.INTERACTIONS, null)
                .hasMessageContaining("does not exist");
    }

    @Test
    void missingFiles() throws IOException {
        for (String file : List.of(DataContract.INTERACTIONS, DataContract.CUSTOMERS, DataContract.PRODUCTS)) {
            goodTenant();
            Files.delete(dir.resolve(file));
            assertFailure(() -> TenantDataReader.read(ACME, dir), file, null)
                    .hasMessage("tenant 'acme': " + file + ", whole file: is missing from " + dir
                            + "; every tenant folder needs interactions.parquet, customers.parquet and products.parquet");
        }
    }

    @Test
    void garbageBytesAreNotParquet() throws IOException {
        Files.writeString(dir.resolve(DataContract.CUSTOMERS), "customer_id,region\nc1,north\n");
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.CUSTOMERS, null)
                .hasMessageStartingWith("tenant 'acme': customers.parquet, whole file: is not a readable Parquet file");
    }

    @Test
    void emptyFileIsNotParquet() throws IOException {
        Files.write(dir.resolve(DataContract.PRODUCTS), new byte[0]);
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.PRODUCTS, null)
                .hasMessageContaining("is not a readable Parquet file");
    }

    @Test
    void damagedColumnData() throws IOException {
        writeInteractions(manyRows(20_000));
        Path file = dir.resolve(DataContract.INTERACTIONS);
        byte[] bytes = Files.readAllBytes(file);
        // keep header and footer, zero the column data in the middle
        java.util.Arrays.fill(bytes, 4, bytes.length / 2, (byte) 0);
        Files.write(file, bytes);
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, null)
                .hasMessageContaining("could not be read, it may be truncated or corrupt: ");
    }

    @Test
    void damagedPageHeadersThatOverflowTheDecoder() throws IOException {
        writeInteractions(manyRows(300_000));
        Path file = dir.resolve(DataContract.INTERACTIONS);
        byte[] bytes = Files.readAllBytes(file);
        // 0x5A decodes as endlessly nested Thrift sets: parquet-java overflows the stack on such a header
        java.util.Arrays.fill(bytes, 4, bytes.length / 2, (byte) 0x5A);
        Files.write(file, bytes);
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, null)
                .hasMessageContaining("could not be read, it may be truncated or corrupt: its metadata is damaged");
    }

    @Test
    void truncatedFile() throws IOException {
        writeInteractions(manyRows(20_000));
        Path file = dir.resolve(DataContract.INTERACTIONS);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, null)
                .hasMessageContaining("is not a readable Parquet file");
    }

    @Test
    void missingRequiredColumn() throws IOException {
        RawParquet.write(dir.resolve(DataContract.INTERACTIONS),
                "message m { required binary customer_id (STRING); required binary product_id (STRING); "
                        + "required int64 event_time (TIMESTAMP(MICROS,true)); }",
                row("c1", "p1", T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "value")
                .hasMessage("tenant 'acme': interactions.parquet, column 'value': the required column is missing; "
                        + "the file has columns [customer_id, product_id, event_time]");
    }

    @Test
    void missingRequiredProductColumn() throws IOException {
        RawParquet.write(dir.resolve(DataContract.PRODUCTS), "message m { required binary product_id (STRING); }",
                row("p1"));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.PRODUCTS, "active");
    }

    @Test
    void valueStoredAsString() throws IOException {
        RawParquet.write(dir.resolve(DataContract.INTERACTIONS),
                "message m { required binary customer_id (STRING); required binary product_id (STRING); "
                        + "required binary value (STRING); required int64 event_time (TIMESTAMP(MICROS,true)); }",
                row("c1", "p1", "4.5", T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "value")
                .hasMessage("tenant 'acme': interactions.parquet, column 'value': has type "
                        + "'required binary value (STRING)' but must be a number (DOUBLE, FLOAT, INT32 or INT64)");
    }

    @Test
    void wrongTypesInOtherColumns() throws IOException {
        RawParquet.write(dir.resolve(DataContract.INTERACTIONS),
                "message m { required binary customer_id (STRING); required binary product_id (STRING); "
                        + "required double value; required int64 event_time; }",
                row("c1", "p1", 4.0, T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "event_time")
                .hasMessageContaining("must be a timestamp");

        goodTenant();
        RawParquet.write(dir.resolve(DataContract.PRODUCTS),
                "message m { required binary product_id (STRING); required binary active (STRING); }",
                row("p1", "yes"));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.PRODUCTS, "active")
                .hasMessageContaining("must be a boolean");

        goodTenant();
        RawParquet.write(dir.resolve(DataContract.CUSTOMERS),
                "message m { required int64 customer_id; optional binary region (STRING); }", row(17L, "north"));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.CUSTOMERS, "customer_id")
                .hasMessageContaining("must be a string");

        RawParquet.write(dir.resolve(DataContract.CUSTOMERS),
                "message m { required binary customer_id (STRING); optional int32 region; }", row("c1", 3));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.CUSTOMERS, "region")
                .as("optional columns are type-checked too").hasMessageContaining("must be a string");
    }

    @Test
    void nullInRequiredColumns() throws IOException {
        String nullable = "message m { optional binary customer_id (STRING); optional binary product_id (STRING); "
                + "optional double value; optional int64 event_time (TIMESTAMP(MICROS,true)); }";
        RawParquet.write(dir.resolve(DataContract.INTERACTIONS), nullable,
                row("c1", "p1", 4.0, T0_MICROS), row(null, "p1", 4.0, T0_MICROS), row(null, "p2", 1.0, T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "customer_id")
                .hasMessage("tenant 'acme': interactions.parquet, column 'customer_id': 2 values are null "
                        + "(first at row 1); the column is required");

        RawParquet.write(dir.resolve(DataContract.INTERACTIONS), nullable,
                row("c1", "p1", 4.0, T0_MICROS), row("c1", "p2", 4.0, null));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "event_time")
                .hasMessageContaining("1 value is null (first at row 1)");

        RawParquet.write(dir.resolve(DataContract.INTERACTIONS), nullable, row("c1", "p1", null, T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "value");

        goodTenant();
        RawParquet.write(dir.resolve(DataContract.PRODUCTS),
                "message m { optional binary product_id (STRING); optional boolean active; }",
                row("p1", true), row("p2", null));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.PRODUCTS, "active");
    }

    @Test
    void nanOrInfiniteValues() throws IOException {
        List<Object[]> rows = manyRows(30);
        rows.get(17)[2] = Double.NaN;
        rows.get(20)[2] = Double.POSITIVE_INFINITY;
        rows.get(29)[2] = Double.NEGATIVE_INFINITY;
        writeInteractions(rows);
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "value")
                .hasMessageStartingWith(
                        "tenant 'acme': interactions.parquet, column 'value': 3 values are NaN, infinite or beyond +-1e+06 (first at row 17)");
    }

    @Test
    void hugeFiniteValuesThatWouldMakeTrainingDiverge() throws IOException {
        List<Object[]> rows = manyRows(30);
        rows.get(12)[2] = 1e300;
        writeInteractions(rows);
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "value")
                .hasMessageStartingWith(
                        "tenant 'acme': interactions.parquet, column 'value': 1 value is NaN, infinite or beyond +-1e+06 (first at row 12)");
    }

    @Test
    void noInteractionRows() throws IOException {
        writeInteractions(List.of());
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, null)
                .hasMessageContaining("has no interaction rows");
    }

    @Test
    void unknownProductId() throws IOException {
        List<Object[]> rows = manyRows(10);
        rows.get(4)[1] = "p-999";
        rows.get(7)[1] = "p-998";
        writeInteractions(rows);
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "product_id")
                .hasMessageStartingWith("tenant 'acme': interactions.parquet, column 'product_id': 2 interactions name "
                        + "a product id that is not in products.parquet (first 'p-999' at row 4)");
    }

    @Test
    void duplicateProductId() throws IOException {
        RawParquet.write(dir.resolve(DataContract.PRODUCTS),
                "message m { required binary product_id (STRING); required boolean active; }",
                row("p1", true), row("p2", true), row("p1", false));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.PRODUCTS, "product_id")
                .hasMessageStartingWith("tenant 'acme': products.parquet, column 'product_id': 1 duplicate product id "
                        + "(first 'p1' at rows 0 and 2)");
    }

    @Test
    void duplicateCustomerId() throws IOException {
        RawParquet.write(dir.resolve(DataContract.CUSTOMERS),
                "message m { required binary customer_id (STRING); optional binary region (STRING); }",
                row("c1", "north"), row("c1", "south"));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.CUSTOMERS, "customer_id")
                .hasMessageContaining("duplicate customer id");
    }

    @Test
    void sparkFolderWithoutPartsOrWithABadPart() throws IOException {
        Files.delete(dir.resolve(DataContract.INTERACTIONS));
        Path folder = Files.createDirectories(dir.resolve(DataContract.INTERACTIONS));
        Files.writeString(folder.resolve("_SUCCESS"), "");
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, null)
                .hasMessageContaining("folder without part files");

        RawParquet.write(folder.resolve("part-00000.parquet"), INTERACTIONS_SCHEMA, row("c1", "p1", 1.0, T0_MICROS));
        RawParquet.write(folder.resolve("part-00001.parquet"), INTERACTIONS_SCHEMA.replace("required double value",
                "required binary value (STRING)"), row("c1", "p2", "1.0", T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "value")
                .hasMessageContaining("(part part-00001.parquet)");
    }

    @Test
    void rowNumbersCountAcrossPartFiles() throws IOException {
        Files.delete(dir.resolve(DataContract.INTERACTIONS));
        Path folder = dir.resolve(DataContract.INTERACTIONS);
        RawParquet.write(folder.resolve("part-00000.parquet"), INTERACTIONS_SCHEMA,
                row("c1", "p1", 1.0, T0_MICROS), row("c1", "p2", 1.0, T0_MICROS));
        RawParquet.write(folder.resolve("part-00001.parquet"), INTERACTIONS_SCHEMA,
                row("c2", "p1", 1.0, T0_MICROS), row("c2", "nope", 1.0, T0_MICROS));
        assertFailure(() -> TenantDataReader.read(ACME, dir), DataContract.INTERACTIONS, "product_id")
                .hasMessageContaining("(first 'nope' at row 3)");
    }

    @Test
    void exceptionKeepsItsParts() {
        TenantDataException e = new TenantDataException(ACME, "products.parquet", null, "is empty");
        assertThat(e.tenant()).isEqualTo(ACME);
        assertThat(e.file()).isEqualTo("products.parquet");
        assertThat(e.column()).isNull();
        assertThat(e).hasMessage("tenant 'acme': products.parquet, whole file: is empty");
        assertThatThrownBy(() -> new TenantDataException(ACME, null, null, "x")).isInstanceOf(NullPointerException.class);
    }

    private List<Object[]> manyRows(int count) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(row("c" + (i % 7), i % 2 == 0 ? "p1" : "p2", 1.0 + i % 5, T0_MICROS + i));
        }
        return rows;
    }

    private void writeInteractions(List<Object[]> rows) throws IOException {
        RawParquet.write(dir.resolve(DataContract.INTERACTIONS), INTERACTIONS_SCHEMA, rows.toArray(new Object[0][]));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFailure(Runnable read, String file, String column) {
        TenantDataException e = catchThrowableOfType(TenantDataException.class, read::run);
        assertThat(e).as("expected a TenantDataException").isNotNull();
        assertThat(e.tenant()).isEqualTo(ACME);
        assertThat(e.file()).isEqualTo(file);
        assertThat(e.column()).isEqualTo(column);
        assertThat(e.getMessage()).startsWith("tenant 'acme': " + file + ", "
                + (column == null ? "whole file" : "column '" + column + "'") + ": ");
        return assertThat((Throwable) e);
    }
}
