package io.nightbake.retrain.data;

import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a tenant folder ({@value DataContract#INTERACTIONS}, {@value DataContract#CUSTOMERS},
 * {@value DataContract#PRODUCTS}) in the schemas of {@link DataContract}: Snappy-compressed,
 * dictionary-encoded, timestamps as INT64 microseconds UTC. The same input always gives the same bytes,
 * also across JVM runs (see {@link DeterministicFooter}).
 * Each file is written beside its target and then moved into place, so a reader never sees half a file.
 *
 * <p>The row-based {@code write} writes exactly the rows it is given and checks nothing beyond non-null
 * ids, so tests and importers can also produce data that {@link TenantDataReader} will reject.
 */
public final class TenantDataWriter {

    private static final int DICTIONARY_PAGE_BYTES = 8 * 1024 * 1024;

    private TenantDataWriter() {
    }

    /** Writes a dataset (every customer it knows, including ones that only appear in interactions). */
    public static void write(Path tenantDir, TenantDataset data) {
        createDirectories(tenantDir);
        writeFile(tenantDir.resolve(DataContract.CUSTOMERS), DataContract.CUSTOMERS_SCHEMA, data.customerCount(),
                (row, out) -> {
                    string(out, 0, DataContract.CUSTOMER_ID, data.customerId(row));
                    string(out, 1, DataContract.REGION, data.customerRegion(row));
                    string(out, 2, DataContract.SEGMENT, data.customerSegment(row));
                });
        writeFile(tenantDir.resolve(DataContract.PRODUCTS), DataContract.PRODUCTS_SCHEMA, data.productCount(),
                (row, out) -> {
                    string(out, 0, DataContract.PRODUCT_ID, data.productId(row));
                    bool(out, 1, DataContract.ACTIVE, data.productActive(row));
                    string(out, 2, DataContract.CATEGORY, data.productCategory(row));
                });
        // ids repeat a lot: convert each to bytes once
        Binary[] customerIds = new Binary[data.customerCount()];
        for (int c = 0; c < customerIds.length; c++) {
            customerIds[c] = Binary.fromString(data.customerId(c));
        }
        Binary[] productIds = new Binary[data.productCount()];
        for (int p = 0; p < productIds.length; p++) {
            productIds[p] = Binary.fromString(data.productId(p));
        }
        writeFile(tenantDir.resolve(DataContract.INTERACTIONS), DataContract.INTERACTIONS_SCHEMA,
                data.interactionCount(), (row, out) -> {
                    binary(out, 0, DataContract.CUSTOMER_ID, customerIds[data.customer(row)]);
                    binary(out, 1, DataContract.PRODUCT_ID, productIds[data.product(row)]);
                    dbl(out, 2, DataContract.VALUE, data.value(row));
                    int64(out, 3, DataContract.EVENT_TIME, data.eventTimeMicros(row));
                    string(out, 4, DataContract.EVENT_TYPE, data.eventType(row));
                });
    }

    /** Writes the three files from rows, as given (no validation). */
    public static void write(Path tenantDir, List<CustomerRow> customers, List<ProductRow> products,
                             List<InteractionRow> interactions) {
        createDirectories(tenantDir);
        writeCustomers(tenantDir.resolve(DataContract.CUSTOMERS), customers);
        writeProducts(tenantDir.resolve(DataContract.PRODUCTS), products);
        writeInteractions(tenantDir.resolve(DataContract.INTERACTIONS), interactions);
    }

    public static void writeCustomers(Path file, List<CustomerRow> customers) {
        writeFile(file, DataContract.CUSTOMERS_SCHEMA, customers.size(), (row, out) -> {
            CustomerRow c = customers.get(row);
            string(out, 0, DataContract.CUSTOMER_ID, c.customerId());
            string(out, 1, DataContract.REGION, c.region());
            string(out, 2, DataContract.SEGMENT, c.segment());
        });
    }

    public static void writeProducts(Path file, List<ProductRow> products) {
        writeFile(file, DataContract.PRODUCTS_SCHEMA, products.size(), (row, out) -> {
            ProductRow p = products.get(row);
            string(out, 0, DataContract.PRODUCT_ID, p.productId());
            bool(out, 1, DataContract.ACTIVE, p.active());
            string(out, 2, DataContract.CATEGORY, p.category());
        });
    }

    public static void writeInteractions(Path file, List<InteractionRow> interactions) {
        writeFile(file, DataContract.INTERACTIONS_SCHEMA, interactions.size(), (row, out) -> {
            InteractionRow i = interactions.get(row);
            string(out, 0, DataContract.CUSTOMER_ID, i.customerId());
            string(out, 1, DataContract.PRODUCT_ID, i.productId());
            dbl(out, 2, DataContract.VALUE, i.value());
            int64(out, 3, DataContract.EVENT_TIME, i.eventTimeMicros());
            string(out, 4, DataContract.EVENT_TYPE, i.eventType());
        });
    }

    // ---------------------------------------------------------------- Parquet plumbing

    /** Writes the fields of row {@code row} to the record consumer (between startMessage and endMessage). */
    @FunctionalInterface
    interface RowEmitter {
        void emit(int row, RecordConsumer out);
    }

    static void writeFile(Path target, MessageType schema, int rows, RowEmitter emitter) {
        Path temp = target.resolveSibling("." + target.getFileName() + ".writing");
        try {
            try (ParquetWriter<Integer> writer = new RowWriterBuilder(new LocalOutputFile(temp), schema, emitter)
                    .withConf(new PlainParquetConfiguration())
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withDictionaryEncoding(true)
                    // keep ids dictionary-encoded up to a few hundred thousand distinct values
                    .withDictionaryPageSize(DICTIONARY_PAGE_BYTES)
                    .build()) {
                for (int row = 0; row < rows; row++) {
                    writer.write(row);
                }
            }
            DeterministicFooter.normalize(temp);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover hidden temp file is harmless
            }
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create tenant folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void string(RecordConsumer out, int index, String name, String value) {
        if (value != null) {
            binary(out, index, name, Binary.fromString(value));
        }
    }

    private static void binary(RecordConsumer out, int index, String name, Binary value) {
        out.startField(name, index);
        out.addBinary(value);
        out.endField(name, index);
    }

    private static void dbl(RecordConsumer out, int index, String name, double value) {
        out.startField(name, index);
        out.addDouble(value);
        out.endField(name, index);
    }

    private static void int64(RecordConsumer out, int index, String name, long value) {
        out.startField(name, index);
        out.addLong(value);
        out.endField(name, index);
    }

    private static void bool(RecordConsumer out, int index, String name, boolean value) {
        out.startField(name, index);
        out.addBoolean(value);
        out.endField(name, index);
    }

    private static final class RowWriterBuilder extends ParquetWriter.Builder<Integer, RowWriterBuilder> {
        private final MessageType schema;
        private final RowEmitter emitter;

        RowWriterBuilder(OutputFile file, MessageType schema, RowEmitter emitter) {
            super(file);
            this.schema = schema;
            this.emitter = emitter;
        }

        @Override
        protected RowWriterBuilder self() {
            return this;
        }

        @Override
        protected WriteSupport<Integer> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return new RowWriteSupport(schema, emitter);
        }

        @Override
        protected WriteSupport<Integer> getWriteSupport(ParquetConfiguration conf) {
            return new RowWriteSupport(schema, emitter);
        }
    }

    private static final class RowWriteSupport extends WriteSupport<Integer> {
        private final MessageType schema;
        private final RowEmitter emitter;
        private RecordConsumer out;

        RowWriteSupport(MessageType schema, RowEmitter emitter) {
            this.schema = schema;
            this.emitter = emitter;
        }

        @Override
        public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            out = recordConsumer;
        }

        @Override
        public void write(Integer row) {
            out.startMessage();
            emitter.emit(row, out);
            out.endMessage();
        }
    }
}
