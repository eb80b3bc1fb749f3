package io.nightbake.scoring;

import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The prebaked lists of one tenant, {@value #FILE_NAME}: one row per (customer, rank), sorted by customer id and
 * then rank. Every customer of the tenant appears: with ranks 1..K, or, when nothing is good enough for it (rules
 * or the min-score threshold left nothing), with exactly one marker row of rank 0 and null product and score.
 * A customer that is absent from the file is unknown to the tenant.
 * <pre>
 * message recommendations {
 *   required binary tenant_id (STRING);
 *   required binary customer_id (STRING);
 *   required int32 rank;                 // 1..K, or 0 for the empty-list marker
 *   optional binary product_id (STRING); // null only on the marker row
 *   optional double score;               // null only on the marker row
 *   required int32 model_version;
 *   required int32 run_date (DATE);      // days since 1970-01-01
 * }
 * </pre>
 * Spark reads it as is ({@code spark.read().parquet(...)}). {@link #read(Path)} is a plain-Java reader with no
 * Hadoop or Spark involved.
 */
public final class RecommendationsFile {

    public static final String FILE_NAME = "recommendations.parquet";

    public static final String TENANT_ID = "tenant_id";
    public static final String CUSTOMER_ID = "customer_id";
    public static final String RANK = "rank";
    public static final String PRODUCT_ID = "product_id";
    public static final String SCORE = "score";
    public static final String MODEL_VERSION = "model_version";
    public static final String RUN_DATE = "run_date";
    /** Optional: the experiment arm whose list the row belongs to (absent: {@code champion}). */
    public static final String ARM = "arm";

    /** The rank of the marker row of a customer with an empty list. */
    public static final int EMPTY_LIST_RANK = 0;

    public static final MessageType SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TENANT_ID)
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CUSTOMER_ID)
            .required(PrimitiveTypeName.INT32).named(RANK)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(PRODUCT_ID)
            .optional(PrimitiveTypeName.DOUBLE).named(SCORE)
            .required(PrimitiveTypeName.INT32).named(MODEL_VERSION)
            .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named(RUN_DATE)
            .named("recommendations");

    /** {@link #SCHEMA} plus the optional {@value #ARM} column, for a snapshot that holds several arms' lists. */
    public static final MessageType SCHEMA_WITH_ARM = Types.buildMessage()
            .addFields(SCHEMA.getFields().toArray(new Type[0]))
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(ARM)
            .named("recommendations");

    /**
     * Footer key of a file with arms: the snapshot's (champion's) model version, since its rows carry each arm's own.
     */
    public static final String SNAPSHOT_MODEL_VERSION_KEY = "nightbake.snapshot_model_version";

    private static final int ARM_INDEX = 7;
    private static final int TENANT_ID_INDEX = 0;
    private static final int CUSTOMER_ID_INDEX = 1;
    private static final int RANK_INDEX = 2;
    private static final int PRODUCT_ID_INDEX = 3;
    private static final int SCORE_INDEX = 4;
    private static final int MODEL_VERSION_INDEX = 5;
    private static final int RUN_DATE_INDEX = 6;

    private RecommendationsFile() {
    }

    /**
     * One row of the file.
     *
     * @param rank      1..K, or {@value #EMPTY_LIST_RANK} on the marker row of a customer with an empty list
     * @param productId null only on the marker row
     * @param score     null only on the marker row
     */
    public record Row(String tenantId, String customerId, int rank, String productId, Double score, int modelVersion,
                      LocalDate runDate, String arm) {

        /** A row of a file without arms. */
        public Row(String tenantId, String customerId, int rank, String productId, Double score, int modelVersion,
                   LocalDate runDate) {
            this(tenantId, customerId, rank, productId, score, modelVersion, runDate, null);
        }

        /** True for the marker row of a customer who gets no recommendations ("nothing good enough"). */
        public boolean isEmptyListMarker() {
            return rank == EMPTY_LIST_RANK;
        }
    }

    // ---------------------------------------------------------------- reading

    /** All rows of a file, in file order (customer, then rank). */
    public static List<Row> read(Path file) {
        List<Row> rows = new ArrayList<>();
        forEach(file, rows::add);
        return rows;
    }

    /** Streams the rows of a file, in file order, without holding them all. */
    public static void forEach(Path file, Consumer<Row> consumer) {
        try (ParquetReader<Row> reader = new RowReaderBuilder(new LocalInputFile(file)).build()) {
            for (Row row = reader.read(); row != null; row = reader.read()) {
                consumer.accept(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read recommendations file " + file + ": " + e.getMessage(), e);
        }
    }

    private static final class RowReaderBuilder extends ParquetReader.Builder<Row> {
        RowReaderBuilder(LocalInputFile file) {
            super(file, new PlainParquetConfiguration());
        }

        @Override
        protected ReadSupport<Row> getReadSupport() {
            return new RowReadSupport();
        }
    }

    private static final class RowReadSupport extends ReadSupport<Row> {
        @Override
        public ReadContext init(InitContext context) {
            MessageType fileSchema = context.getFileSchema();
            for (Type field : SCHEMA.getFields()) {
                if (!fileSchema.containsField(field.getName())) {
                    throw new IllegalArgumentException("not a recommendations file: column '" + field.getName()
                            + "' is missing; the file has " + fileSchema.getFields().stream().map(Type::getName).toList());
                }
            }
            return new ReadContext(fileSchema);
        }

        @Override
        public RecordMaterializer<Row> prepareForRead(org.apache.hadoop.conf.Configuration configuration,
                                                      Map<String, String> metadata, MessageType fileSchema,
                                                      ReadContext context) {
            return new RowMaterializer(context.getRequestedSchema());
        }

        @Override
        public RecordMaterializer<Row> prepareForRead(ParquetConfiguration configuration, Map<String, String> metadata,
                                                      MessageType fileSchema, ReadContext context) {
            return new RowMaterializer(context.getRequestedSchema());
        }
    }

    /** Builds a {@link Row} per record; tenant ids and dates repeat, so the last decoded one is reused. */
    private static final class RowMaterializer extends RecordMaterializer<Row> {
        private final RowConverter root;

        RowMaterializer(MessageType schema) {
            root = new RowConverter(schema);
        }

        @Override
        public Row getCurrentRecord() {
            return root.current;
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }
    }

    private static final class RowConverter extends GroupConverter {
        private final Converter[] converters;
        private Row current;

        private Binary tenantBytes;
        private String tenant;
        private int runDateDays = Integer.MIN_VALUE;
        private LocalDate runDate;

        private String customer;
        private Binary customerBytes;
        private String customerValue;
        private int rank;
        private String product;
        private Double score;
        private int modelVersion;
        private String arm;

        RowConverter(MessageType schema) {
            converters = new Converter[schema.getFieldCount()];
            for (int i = 0; i < converters.length; i++) {
                converters[i] = converter(schema.getFieldName(i));
            }
        }

        private Converter converter(String name) {
            return switch (name) {
                case TENANT_ID -> new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        if (!value.equals(tenantBytes)) {
                            tenantBytes = value.copy();
                            tenant = value.toStringUsingUTF8();
                        }
                    }
                };
                case CUSTOMER_ID -> new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        // a customer's K rows are consecutive: decode its id once
                        if (!value.equals(customerBytes)) {
                            customerBytes = value.copy();
                            customerValue = value.toStringUsingUTF8();
                        }
                        customer = customerValue;
                    }
                };
                case RANK -> new PrimitiveConverter() {
                    @Override
                    public void addInt(int value) {
                        rank = value;
                    }
                };
                case PRODUCT_ID -> new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        product = value.toStringUsingUTF8();
                    }
                };
                case SCORE -> new PrimitiveConverter() {
                    @Override
                    public void addDouble(double value) {
                        score = value;
                    }

                    @Override
                    public void addFloat(float value) {
                        score = (double) value;
                    }
                };
                case MODEL_VERSION -> new PrimitiveConverter() {
                    @Override
                    public void addInt(int value) {
                        modelVersion = value;
                    }
                };
                case RUN_DATE -> new PrimitiveConverter() {
                    @Override
                    public void addInt(int value) {
                        if (value != runDateDays) {
                            runDateDays = value;
                            runDate = LocalDate.ofEpochDay(value);
                        }
                    }
                };
                case ARM -> new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        arm = value.toStringUsingUTF8();
                    }
                };
                default -> new PrimitiveConverter() {
                    // extra columns are ignored
                };
            };
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return converters[fieldIndex];
        }

        @Override
        public void start() {
            product = null;
            score = null;
            arm = null;
        }

        @Override
        public void end() {
            current = new Row(tenant, customer, rank, product, score, modelVersion, runDate, arm);
        }
    }

    /**
     * Merges the files of an experiment's arms (each sorted by customer, each customer in exactly one of them) into
     * {@code target}, sorted by customer, with the arm column and each arm's model version; written atomically like
     * any file of this format. Returns the rows written.
     */
    public static long mergeArms(List<Path> parts, Path target, String tenantId, int modelVersion, LocalDate runDate) {
        List<ParquetReader<Row>> readers = new ArrayList<>();
        try (Writer writer = openWithArms(target, tenantId, modelVersion, runDate)) {
            Row[] heads = new Row[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                readers.add(new RowReaderBuilder(new LocalInputFile(parts.get(i))).build());
                heads[i] = readers.get(i).read();
            }
            String previous = null;
            while (true) {
                int next = -1;
                for (int i = 0; i < heads.length; i++) {
                    if (heads[i] != null && (next < 0 || heads[i].customerId().compareTo(heads[next].customerId()) < 0)) {
                        next = i;
                    }
                }
                if (next < 0) {
                    break;
                }
                String customer = heads[next].customerId();
                if (customer.equals(previous)) {
                    throw new IllegalStateException("tenant '" + tenantId + "': customer '" + customer
                            + "' has lists in two arms; each customer belongs to exactly one");
                }
                while (heads[next] != null && heads[next].customerId().equals(customer)) {
                    Row row = heads[next];
                    writer.arm(row.arm(), row.modelVersion());
                    if (row.isEmptyListMarker()) {
                        writer.addEmptyList(row.customerId());
                    } else {
                        writer.addRanked(row.customerId(), row.rank(), row.productId(), row.score());
                    }
                    heads[next] = readers.get(next).read();
                }
                previous = customer;
            }
            writer.commit();
            return writer.rows();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot merge arm files into " + target + ": " + e.getMessage(), e);
        } finally {
            for (ParquetReader<Row> reader : readers) {
                try {
                    reader.close();
                } catch (IOException ignored) {
                    // read-only
                }
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Opens a writer for {@code target}. Rows go to a hidden temporary file beside it; {@link Writer#commit()} moves
     * that file into place atomically, {@link Writer#close()} without a commit deletes it, so readers see the old
     * file or the complete new one, never a partial file. Rows must be added in file order (customer, then rank).
     */
    public static Writer open(Path target, String tenantId, int modelVersion, LocalDate runDate) {
        return new Writer(target, tenantId, modelVersion, runDate, false);
    }

    /**
     * A writer whose rows also carry the {@value #ARM} column ({@link #SCHEMA_WITH_ARM}); set each row's arm and model
     * version with {@link Writer#arm}.
     */
    public static Writer openWithArms(Path target, String tenantId, int modelVersion, LocalDate runDate) {
        return new Writer(target, tenantId, modelVersion, runDate, true);
    }

    /** Writes one tenant's file; not thread-safe. */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final ParquetWriter<RowBuffer> parquet;
        private final RowBuffer row = new RowBuffer();
        private long rows;
        private boolean committed;
        private boolean closed;

        private final boolean withArms;

        private Writer(Path target, String tenantId, int modelVersion, LocalDate runDate, boolean withArms) {
            this.withArms = withArms;
            this.target = Objects.requireNonNull(target, "target");
            Path dir = target.toAbsolutePath().getParent();
            // unique, so that two attempts at the same tenant (a retry, a speculative task) do not collide
            this.temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".writing");
            row.tenant = Binary.fromString(Objects.requireNonNull(tenantId, "tenantId"));
            row.modelVersion = modelVersion;
            row.runDateDays = Math.toIntExact(runDate.toEpochDay());
            try {
                Files.createDirectories(dir);
                parquet = new RowWriterBuilder(new LocalOutputFile(temp), withArms ? SCHEMA_WITH_ARM : SCHEMA,
                        withArms ? Map.of(SNAPSHOT_MODEL_VERSION_KEY, Integer.toString(modelVersion)) : Map.of())
                        .withConf(new PlainParquetConfiguration())
                        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                        .withCompressionCodec(CompressionCodecName.SNAPPY)
                        .withDictionaryEncoding(true)
                        .build();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + temp + ": " + e.getMessage(), e);
            }
        }

        /** The arm and model version of the rows added from now on (a writer opened with {@link #openWithArms}). */
        public void arm(String arm, int modelVersion) {
            if (!withArms) {
                throw new IllegalStateException("this writer has no arm column; open it with openWithArms");
            }
            row.arm = arm == null ? null : Binary.fromString(arm);
            row.modelVersion = modelVersion;
        }

        /** Adds a ranked row (rank 1..K). */
        public void addRanked(String customerId, int rank, String productId, double score) {
            addRanked(Binary.fromString(customerId), rank, Binary.fromString(productId), score);
        }

        /** Adds the marker row of a customer who gets an empty list. */
        public void addEmptyList(String customerId) {
            addEmptyList(Binary.fromString(customerId));
        }

        void addRanked(Binary customerId, int rank, Binary productId, double score) {
            if (rank < 1) {
                throw new IllegalArgumentException("rank must be at least 1, was " + rank);
            }
            row.customer = customerId;
            row.rank = rank;
            row.product = productId;
            row.score = score;
            write();
        }

        void addEmptyList(Binary customerId) {
            row.customer = customerId;
            row.rank = EMPTY_LIST_RANK;
            row.product = null;
            row.score = Double.NaN;
            write();
        }

        private void write() {
            try {
                parquet.write(row);
                rows++;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + temp + ": " + e.getMessage(), e);
            }
        }

        public long rows() {
            return rows;
        }

        /** Finishes the file and moves it to its target, replacing any previous file. */
        public void commit() {
            if (closed) {
                throw new IllegalStateException("writer for " + target + " is already closed");
            }
            try {
                closed = true;
                parquet.close();
                try {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                committed = true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot finish " + target + ": " + e.getMessage(), e);
            } finally {
                if (!committed) {
                    deleteTemp();
                }
            }
        }

        /** Abandons the file unless it was committed. */
        @Override
        public void close() {
            if (committed) {
                return;
            }
            if (!closed) {
                closed = true;
                try {
                    parquet.close();
                } catch (IOException | RuntimeException ignored) {
                    // abandoning anyway
                }
            }
            deleteTemp();
        }

        private void deleteTemp() {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover hidden temp file is harmless
            }
        }
    }

    /** The fields of the row being written; tenant, version and date are the same for the whole file. */
    private static final class RowBuffer {
        Binary tenant;
        Binary customer;
        int rank;
        Binary product;
        double score;
        int modelVersion;
        int runDateDays;
        Binary arm;
    }

    private static final class RowWriterBuilder extends ParquetWriter.Builder<RowBuffer, RowWriterBuilder> {
        private final MessageType schema;
        private final Map<String, String> metadata;

        RowWriterBuilder(OutputFile file, MessageType schema, Map<String, String> metadata) {
            super(file);
            this.schema = schema;
            this.metadata = metadata;
        }

        @Override
        protected RowWriterBuilder self() {
            return this;
        }

        @Override
        protected WriteSupport<RowBuffer> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return new RowWriteSupport(schema, metadata);
        }

        @Override
        protected WriteSupport<RowBuffer> getWriteSupport(ParquetConfiguration conf) {
            return new RowWriteSupport(schema, metadata);
        }
    }

    private static final class RowWriteSupport extends WriteSupport<RowBuffer> {
        private final MessageType schema;
        private final Map<String, String> metadata;
        private RecordConsumer out;

        RowWriteSupport(MessageType schema, Map<String, String> metadata) {
            this.schema = schema;
            this.metadata = metadata;
        }

        @Override
        public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
            return new WriteContext(schema, metadata);
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema, metadata);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            out = recordConsumer;
        }

        @Override
        public void write(RowBuffer row) {
            out.startMessage();
            binary(TENANT_ID, TENANT_ID_INDEX, row.tenant);
            binary(CUSTOMER_ID, CUSTOMER_ID_INDEX, row.customer);
            int32(RANK, RANK_INDEX, row.rank);
            if (row.product != null) {
                binary(PRODUCT_ID, PRODUCT_ID_INDEX, row.product);
                out.startField(SCORE, SCORE_INDEX);
                out.addDouble(row.score);
                out.endField(SCORE, SCORE_INDEX);
            }
            int32(MODEL_VERSION, MODEL_VERSION_INDEX, row.modelVersion);
            int32(RUN_DATE, RUN_DATE_INDEX, row.runDateDays);
            if (row.arm != null && schema.getFieldCount() > ARM_INDEX) {
                binary(ARM, ARM_INDEX, row.arm);
            }
            out.endMessage();
        }

        private void binary(String name, int index, Binary value) {
            out.startField(name, index);
            out.addBinary(value);
            out.endField(name, index);
        }

        private void int32(String name, int index, int value) {
            out.startField(name, index);
            out.addInteger(value);
            out.endField(name, index);
        }
    }
}
