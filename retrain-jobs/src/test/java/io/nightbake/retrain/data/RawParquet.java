package io.nightbake.retrain.data;

import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes arbitrary (also contract-breaking) Parquet files for tests, with the example Group API. */
final class RawParquet {

    private RawParquet() {
    }

    /**
     * Writes rows to {@code file} with a schema in Parquet's text form; each row lists one value per
     * schema field in order, null for a missing value. Values: String, Double, Float, Integer, Long,
     * Boolean or Binary (e.g. INT96).
     */
    static void write(Path file, String schemaText, Object[]... rows) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(schemaText);
        Files.createDirectories(file.getParent());
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(schema)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (Object[] row : rows) {
                Group group = groups.newGroup();
                for (int i = 0; i < row.length; i++) {
                    String name = schema.getFieldName(i);
                    Object value = row[i];
                    if (value == null) {
                        continue;
                    } else if (value instanceof String s) {
                        group.add(name, s);
                    } else if (value instanceof Double d) {
                        group.add(name, d);
                    } else if (value instanceof Float f) {
                        group.add(name, f);
                    } else if (value instanceof Integer n) {
                        group.add(name, n);
                    } else if (value instanceof Long n) {
                        group.add(name, n);
                    } else if (value instanceof Boolean b) {
                        group.add(name, b);
                    } else if (value instanceof Binary b) {
                        group.add(name, b);
                    } else {
                        throw new IllegalArgumentException("unsupported test value " + value);
                    }
                }
                writer.write(group);
            }
        }
    }

    static Object[] row(Object... values) {
        return values;
    }
}
