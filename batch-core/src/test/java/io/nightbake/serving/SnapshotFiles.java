package io.nightbake.serving;

import io.nightbake.scoring.RecommendationsFile;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small snapshot files for tests with Parquet's example Group API: rows in the order given, a column left
 * out of the schema is simply not written, a null value is not appended.
 */
final class SnapshotFiles {

    /** One row of a snapshot file; {@code product} and {@code score} are null on a marker row. */
    record Row(String tenant, String customer, int rank, String product, Double score, int modelVersion,
               LocalDate runDate) {
    }

    private final String tenant;
    private final int modelVersion;
    private final LocalDate runDate;
    private final List<Row> rows = new ArrayList<>();
    private MessageType schema = RecommendationsFile.SCHEMA;
    private long rowGroupBytes = ParquetWriter.DEFAULT_BLOCK_SIZE;
    private int pageRows = 20_000;
    private int dictionaryPageBytes = ParquetWriter.DEFAULT_PAGE_SIZE;
    private boolean dictionary = true;

    private SnapshotFiles(String tenant, int modelVersion, LocalDate runDate) {
        this.tenant = tenant;
        this.modelVersion = modelVersion;
        this.runDate = runDate;
    }

    static SnapshotFiles snapshot(String tenant, int modelVersion, LocalDate runDate) {
        return new SnapshotFiles(tenant, modelVersion, runDate);
    }

    /** A customer and its list, as alternating product id and score: {@code "p1", 0.9, "p2", 0.8}. */
    SnapshotFiles customer(String customer, Object... productsAndScores) {
        if (productsAndScores.length == 0) {
            return marker(customer);
        }
        for (int i = 0; i < productsAndScores.length; i += 2) {
            rows.add(new Row(tenant, customer, i / 2 + 1, (String) productsAndScores[i],
                    ((Number) productsAndScores[i + 1]).doubleValue(), modelVersion, runDate));
        }
        return this;
    }

    /** A customer with an empty list: its one marker row. */
    SnapshotFiles marker(String customer) {
        rows.add(new Row(tenant, customer, RecommendationsFile.EMPTY_LIST_RANK, null, null, modelVersion, runDate));
        return this;
    }

    /** Any row, as given (to break the contract on purpose). */
    SnapshotFiles row(Row row) {
        rows.add(row);
        return this;
    }

    SnapshotFiles schema(MessageType schema) {
        this.schema = schema;
        return this;
    }

    /**
     * How the writer lays the file out: row group size in bytes, rows per page, the dictionary page size in bytes
     * (past it, the writer falls back to plain pages for the rest of the chunk), and whether to use dictionaries.
     */
    SnapshotFiles layout(long rowGroupBytes, int pageRows, int dictionaryPageBytes, boolean dictionary) {
        this.rowGroupBytes = rowGroupBytes;
        this.pageRows = pageRows;
        this.dictionaryPageBytes = dictionaryPageBytes;
        this.dictionary = dictionary;
        return this;
    }

    Path write(Path file) {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withDictionaryEncoding(dictionary)
                .withDictionaryPageSize(dictionaryPageBytes)
                .withRowGroupSize(rowGroupBytes)
                .withPageRowCountLimit(pageRows)
                .withMinRowCountForPageSizeCheck(Math.min(100, pageRows))
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (Row row : rows) {
                Group g = groups.newGroup();
                append(g, RecommendationsFile.TENANT_ID, row.tenant());
                append(g, RecommendationsFile.CUSTOMER_ID, row.customer());
                append(g, RecommendationsFile.RANK, row.rank());
                append(g, RecommendationsFile.PRODUCT_ID, row.product());
                append(g, RecommendationsFile.SCORE, row.score());
                append(g, RecommendationsFile.MODEL_VERSION, row.modelVersion());
                append(g, RecommendationsFile.RUN_DATE, row.runDate() == null ? null : (int) row.runDate().toEpochDay());
                writer.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private void append(Group g, String column, Object value) {
        if (value == null || !schema.containsField(column)) {
            return;
        }
        switch (schema.getType(column).asPrimitiveType().getPrimitiveTypeName()) {
            case BINARY -> g.append(column, (String) value);
            case INT32 -> g.append(column, ((Number) value).intValue());
            case INT64 -> g.append(column, ((Number) value).longValue());
            case DOUBLE -> g.append(column, ((Number) value).doubleValue());
            case FLOAT -> g.append(column, ((Number) value).floatValue());
            default -> throw new IllegalArgumentException(column + ": " + value);
        }
    }
}
