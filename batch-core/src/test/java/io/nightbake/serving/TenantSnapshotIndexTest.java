package io.nightbake.serving;

import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.serving.TenantSnapshotIndex.Lookup;
import io.nightbake.serving.TenantSnapshotIndex.Recommendation;
import org.apache.parquet.column.EncodingStats;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class TenantSnapshotIndexTest {

    private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 3);
    private static final Instant BUILT_AT = Instant.parse("2026-11-04T01:23:45Z");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(RecommendationsFile.FILE_NAME);
    }

    private SnapshotFiles threeCustomers() {
        return SnapshotFiles.snapshot("acme", 7, RUN_DATE)
                .customer("c-1", "p-3", 0.9, "p-1", 0.7, "p-2", 0.5)
                .marker("c-2")
                .customer("c-3", "p-2", 2.5, "p-9", -1.25);
    }

    @Test
    void loadsMetadataAndKeepsTheRankedOrder() {
        TenantSnapshotIndex index = TenantSnapshotIndex.load(threeCustomers().write(file()), "snap-42", BUILT_AT);

        assertThat(index.tenantId()).isEqualTo("acme");
        assertThat(index.snapshotId()).isEqualTo("snap-42");
        assertThat(index.modelVersion()).isEqualTo(7);
        assertThat(index.runDate()).isEqualTo(RUN_DATE);
        assertThat(index.builtAt()).isEqualTo(BUILT_AT);
        assertThat(index.customerCount()).isEqualTo(3);
        assertThat(index.entryCount()).isEqualTo(5);
        assertThat(index.productCount()).isEqualTo(4);

        Lookup c1 = index.lookup("c-1", 10);
        assertThat(c1.isUnknownCustomer()).isFalse();
        assertThat(c1.toList()).extracting(Recommendation::productId, Recommendation::score)
                .containsExactly(tuple("p-3", 0.9f), tuple("p-1", 0.7f), tuple("p-2", 0.5f));
        assertThat(index.lookup("c-3", 10).toList()).extracting(Recommendation::productId, Recommendation::score)
                .containsExactly(tuple("p-2", 2.5f), tuple("p-9", -1.25f));
    }

    @Test
    void respectsTheLimit() {
        TenantSnapshotIndex index = TenantSnapshotIndex.load(threeCustomers().write(file()), "s", BUILT_AT);

        Lookup two = index.lookup("c-1", 2);
        assertThat(two.size()).isEqualTo(2);
        assertThat(two.productId(0)).isEqualTo("p-3");
        assertThat(two.productId(1)).isEqualTo("p-1");
        assertThatThrownBy(() -> two.productId(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(index.lookup("c-1", 3).size()).isEqualTo(3);
        assertThat(index.lookup("c-1", Integer.MAX_VALUE).size()).isEqualTo(3);

        Lookup none = index.lookup("c-1", 0);
        assertThat(none.isUnknownCustomer()).isFalse();
        assertThat(none.isEmpty()).isTrue();
        assertThatThrownBy(() -> index.lookup("c-1", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMarkerRowIsAnEmptyListAndNotAnUnknownCustomer() {
        TenantSnapshotIndex index = TenantSnapshotIndex.load(threeCustomers().write(file()), "s", BUILT_AT);

        Lookup empty = index.lookup("c-2", 20);
        assertThat(empty.isUnknownCustomer()).isFalse();
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.size()).isZero();
        assertThat(empty.toList()).isEmpty();
        assertThat(index.containsCustomer("c-2")).isTrue();

        Lookup unknown = index.lookup("c-404", 20);
        assertThat(unknown.isUnknownCustomer()).isTrue();
        assertThat(unknown).isSameAs(Lookup.UNKNOWN_CUSTOMER).isNotSameAs(empty);
        assertThat(index.containsCustomer("c-404")).isFalse();
        // prefixes and extensions of known ids are other customers
        assertThat(index.lookup("c-", 20).isUnknownCustomer()).isTrue();
        assertThat(index.lookup("c-11", 20).isUnknownCustomer()).isTrue();
        assertThat(index.lookup("", 20).isUnknownCustomer()).isTrue();
    }

    @Test
    void findsNonAsciiCustomerIds() {
        String[] ids = {"müller", "渡辺", "emoji-\uD83D\uDE00", "ascii", "ß", "\u00e9t\u00e9"};
        SnapshotFiles files = SnapshotFiles.snapshot("t", 1, RUN_DATE);
        for (int i = 0; i < ids.length; i++) {
            files.customer(ids[i], "p-" + i, 1.0);
        }
        TenantSnapshotIndex index = TenantSnapshotIndex.load(files.write(file()), "s", BUILT_AT);

        for (int i = 0; i < ids.length; i++) {
            assertThat(index.lookup(ids[i], 5).toList()).as(ids[i]).extracting(Recommendation::productId)
                    .containsExactly("p-" + i);
            assertThat(index.customerIdAt(i)).isEqualTo(ids[i]);
        }
        assertThat(index.lookup("muller", 5).isUnknownCustomer()).isTrue();
        assertThat(index.lookup("渡", 5).isUnknownCustomer()).isTrue();
        assertThat(index.lookup("emoji-\uD83D", 5).isUnknownCustomer()).isTrue();
    }

    @Test
    void readsListsAcrossRowGroupsPagesAndPlainFallbackPages() throws Exception {
        Random random = new Random(7);
        List<List<String>> expected = new ArrayList<>();
        SnapshotFiles files = SnapshotFiles.snapshot("big", 3, RUN_DATE);
        for (int c = 0; c < 3_000; c++) {
            int k = random.nextInt(6);
            List<String> list = new ArrayList<>();
            Object[] args = new Object[2 * k];
            for (int r = 0; r < k; r++) {
                // few products first, many later: dictionaries pay off at first, then outgrow their page
                String product = "prod-" + random.nextInt(c < 1_500 ? 20 : 400);
                list.add(product);
                args[2 * r] = product;
                args[2 * r + 1] = 1.0 - r * 0.1;
            }
            expected.add(list);
            files.customer(String.format("cust-%06d", c), args);
        }
        for (String variant : List.of("row groups", "plain fallback", "no dictionary")) {
            Path file = switch (variant) {
                case "row groups" -> files.layout(4 * 1024, 64, 1024 * 1024, true).write(file());
                case "plain fallback" -> files.layout(128 * 1024 * 1024, 64, 2 * 1024, true).write(file());
                default -> files.layout(128 * 1024 * 1024, 64, 1024 * 1024, false).write(file());
            };
            // the file really has what this test is about
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
                assertThat(reader.getRowGroups()).hasSizeGreaterThan(variant.equals("row groups") ? 5 : 0);
                List<EncodingStats> stats = reader.getRowGroups().stream()
                        .flatMap(block -> block.getColumns().stream())
                        .filter(column -> column.getPath().toDotString().equals("product_id"))
                        .map(ColumnChunkMetaData::getEncodingStats).toList();
                boolean dictionaryPages = stats.stream().anyMatch(EncodingStats::hasDictionaryEncodedPages);
                boolean fallbackInAChunk = stats.stream()
                        .anyMatch(chunk -> chunk.hasDictionaryEncodedPages() && chunk.hasNonDictionaryEncodedPages());
                switch (variant) {
                    case "row groups" -> assertThat(dictionaryPages).isTrue();
                    case "plain fallback" -> assertThat(fallbackInAChunk).isTrue();
                    default -> assertThat(dictionaryPages).isFalse();
                }
            }
            TenantSnapshotIndex index = TenantSnapshotIndex.load(file, "s", BUILT_AT);
            assertThat(index.customerCount()).isEqualTo(3_000);
            assertThat(index.entryCount()).isEqualTo(expected.stream().mapToInt(List::size).sum());
            for (int c = 0; c < expected.size(); c++) {
                Lookup lookup = index.lookup(String.format("cust-%06d", c), 10);
                assertThat(lookup.isUnknownCustomer()).isFalse();
                assertThat(lookup.toList()).extracting(Recommendation::productId).containsExactlyElementsOf(expected.get(c));
                for (int r = 0; r < lookup.size(); r++) {
                    assertThat(lookup.score(r)).isEqualTo((float) (1.0 - r * 0.1));
                }
            }
        }
    }

    @Test
    void acceptsSparkStyleNullableColumnsFloatScoresAndLongVersions() {
        MessageType nullable = Types.buildMessage()
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("tenant_id")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("customer_id")
                .optional(PrimitiveTypeName.INT32).named("rank")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("product_id")
                .optional(PrimitiveTypeName.FLOAT).named("score")
                .optional(PrimitiveTypeName.INT64).named("model_version")
                .optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named("run_date")
                .named("spark_schema");
        TenantSnapshotIndex index = TenantSnapshotIndex.load(threeCustomers().schema(nullable).write(file()), "s",
                BUILT_AT);

        assertThat(index.modelVersion()).isEqualTo(7);
        assertThat(index.lookup("c-1", 5).toList()).extracting(Recommendation::productId)
                .containsExactly("p-3", "p-1", "p-2");
        assertThat(index.lookup("c-2", 5).isEmpty()).isTrue();
    }

    @Test
    void readsAFolderOfPartFilesInNameOrder() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("recommendations.parquet"));
        SnapshotFiles.snapshot("acme", 7, RUN_DATE).customer("c-1", "p-1", 0.9).write(folder.resolve("part-00000.parquet"));
        SnapshotFiles.snapshot("acme", 7, RUN_DATE).marker("c-2").customer("c-3", "p-2", 0.3)
                .write(folder.resolve("part-00001.parquet"));
        Files.writeString(folder.resolve("_SUCCESS"), "");

        TenantSnapshotIndex index = TenantSnapshotIndex.load(folder, "s", BUILT_AT);

        assertThat(index.customerCount()).isEqualTo(3);
        assertThat(index.lookup("c-3", 5).productId(0)).isEqualTo("p-2");
        assertThat(index.lookup("c-2", 5).isEmpty()).isTrue();
    }

    // ---------------------------------------------------------------- validation

    @Test
    void rejectsRowsOfTwoTenants() {
        Path file = SnapshotFiles.snapshot("acme", 1, RUN_DATE).customer("c-1", "p-1", 1.0)
                .row(new SnapshotFiles.Row("globex", "c-2", 1, "p-1", 1.0, 1, RUN_DATE)).write(file());

        assertThatThrownBy(() -> TenantSnapshotIndex.load(file, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("column 'tenant_id'")
                .hasMessageContaining("more than one tenant: 'acme' (row 0) and 'globex' (row 1)");
    }

    @Test
    void rejectsAMissingColumnNamingFileAndColumn() {
        MessageType noScore = new MessageType("recommendations", RecommendationsFile.SCHEMA.getFields().stream()
                .filter(f -> !f.getName().equals("score")).toList());
        Path file = threeCustomers().schema(noScore).write(file());

        assertThatThrownBy(() -> TenantSnapshotIndex.load(file, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("column 'score': the column is missing")
                .satisfies(e -> assertThat(((SnapshotLoadException) e).column()).isEqualTo("score"));
    }

    @Test
    void rejectsAColumnOfTheWrongType() {
        MessageType textRank = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("tenant_id")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("customer_id")
                .required(PrimitiveTypeName.INT64).named("rank")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("product_id")
                .optional(PrimitiveTypeName.DOUBLE).named("score")
                .required(PrimitiveTypeName.INT32).named("model_version")
                .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named("run_date")
                .named("recommendations");
        Path file = threeCustomers().schema(textRank).write(file());

        assertThatThrownBy(() -> TenantSnapshotIndex.load(file, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining("column 'rank': has type 'required int64 rank' but must be an INT32");
    }

    @Test
    void rejectsBrokenListsWithTheRowAndCustomer() {
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE).customer("c-1", "p-1", 1.0)
                        .row(new SnapshotFiles.Row("t", "c-1", 3, "p-2", 0.5, 1, RUN_DATE)),
                "column 'rank': row 1: customer 'c-1' has rank 3 after rank 1");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE)
                        .row(new SnapshotFiles.Row("t", "c-1", 2, "p-2", 0.5, 1, RUN_DATE)),
                "column 'rank': row 0: the list of customer 'c-1' starts at rank 2");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE).marker("c-1")
                        .row(new SnapshotFiles.Row("t", "c-1", 1, "p-2", 0.5, 1, RUN_DATE)),
                "customer 'c-1' has a marker row (rank 0) and more rows");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE)
                        .row(new SnapshotFiles.Row("t", "c-1", 0, "p-2", null, 1, RUN_DATE)),
                "column 'product_id': row 0: the marker row (rank 0) of customer 'c-1' has a product 'p-2'");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE)
                        .row(new SnapshotFiles.Row("t", "c-1", 1, null, 0.5, 1, RUN_DATE)),
                "column 'product_id': row 0 is null; only the marker row");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE)
                        .row(new SnapshotFiles.Row("t", "c-1", 1, "p-1", null, 1, RUN_DATE)),
                "column 'score': row 0 is null");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE)
                        .row(new SnapshotFiles.Row("t", "c-1", 1, "p-1", Double.NaN, 1, RUN_DATE)),
                "column 'score': row 0: score NaN of customer 'c-1' is not finite");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE).customer("c-1", "p-1", 1.0).marker("c-2")
                        .customer("c-1", "p-1", 1.0),
                "column 'customer_id': customer 'c-1' appears in two separate runs of rows");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE).customer("c-1", "p-1", 1.0)
                        .row(new SnapshotFiles.Row("t", "c-2", 1, "p-1", 1.0, 2, RUN_DATE)),
                "column 'model_version': holds rows of more than one model version: 1 (row 0) and 2 (row 1); a snapshot comes from one model");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE).customer("c-1", "p-1", 1.0)
                        .row(new SnapshotFiles.Row("t", "c-2", 1, "p-1", 1.0, 1, RUN_DATE.plusDays(1))),
                "column 'run_date': holds rows of more than one run date: 2026-11-03 (row 0) and 2026-11-04 (row 1)");
        assertRejected(SnapshotFiles.snapshot("t", 1, RUN_DATE), "has no rows");
    }

    private void assertRejected(SnapshotFiles files, String message) {
        Path file = files.write(file());
        assertThatThrownBy(() -> TenantSnapshotIndex.load(file, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageStartingWith("snapshot " + file)
                .hasMessageContaining(message);
    }

    @Test
    void rejectsMissingAndNonParquetFiles() throws Exception {
        Path missing = dir.resolve("nope.parquet");
        assertThatThrownBy(() -> TenantSnapshotIndex.load(missing, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining(missing + ": does not exist");

        Path text = Files.writeString(dir.resolve("text.parquet"), "tenant_id,customer_id\nacme,c-1\n");
        assertThatThrownBy(() -> TenantSnapshotIndex.load(text, "s", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining(text + ": is not a readable Parquet file");
    }

    // ---------------------------------------------------------------- builder

    @Test
    void theBuilderMakesTheSameIndexAsAFile() {
        TenantSnapshotIndex built = TenantSnapshotIndex.builder("acme", "snap-1").modelVersion(7).runDate(RUN_DATE)
                .builtAt(BUILT_AT)
                .customer("c-1").recommend("p-3", 0.9).recommend("p-1", 0.7).recommend("p-2", 0.5)
                .customer("c-2")
                .customer("c-3").recommend("p-2", 2.5).recommend("p-9", -1.25)
                .build();
        TenantSnapshotIndex loaded = TenantSnapshotIndex.load(threeCustomers().write(file()), "snap-1", BUILT_AT);

        assertThat(built.toString()).isEqualTo(loaded.toString());
        for (String customer : List.of("c-1", "c-2", "c-3", "c-4")) {
            assertThat(built.lookup(customer, 2).toString()).isEqualTo(loaded.lookup(customer, 2).toString());
        }
        assertThat(built.estimatedHeapBytes()).isEqualTo(loaded.estimatedHeapBytes());
    }

    @Test
    void theBuilderRejectsDuplicateCustomersAndOrphanProducts() {
        assertThatThrownBy(() -> TenantSnapshotIndex.builder("t", "s").customer("c-1").customer("c-2")
                .customer("c-1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("customer 'c-1' was added twice");
        assertThatThrownBy(() -> TenantSnapshotIndex.builder("t", "s").recommend("p-1", 1.0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anEmptyIndexKnowsNoCustomer() {
        TenantSnapshotIndex index = TenantSnapshotIndex.builder("t", "s").build();
        assertThat(index.customerCount()).isZero();
        assertThat(index.lookup("c-1", 5).isUnknownCustomer()).isTrue();
        assertThat(index.anyCustomerId()).isNull();
    }

    @Test
    void anyCustomerIdPrefersACustomerWithRecommendations() {
        assertThat(TenantSnapshotIndex.builder("t", "s").customer("c-1").customer("c-2").recommend("p", 1)
                .build().anyCustomerId()).isEqualTo("c-2");
        assertThat(TenantSnapshotIndex.builder("t", "s").customer("c-1").customer("c-2")
                .build().anyCustomerId()).isEqualTo("c-1");
    }
}
