package io.nightbake.serving;

import io.nightbake.client.ServingFile;
import io.nightbake.feedback.RecommendationId;
import io.nightbake.scoring.RecommendationsFile;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a published snapshot ({@link RecommendationsFile}) into a {@link TenantSnapshotIndex}: column readers straight
 * on the pages (no record assembly, no per-row objects), product ids resolved once per dictionary entry, every
 * row checked against the contract on the way. The path may also be a folder of part files (as Spark writes it),
 * read in file-name order.
 *
 * <p>An optional string column {@value #ARM} names each customer's experiment arm (absent or null: {@code champion});
 * a customer's rows share one arm, and an arm's rows one model version, which becomes the arm's version in the
 * snapshot's arm table.
 */
final class SnapshotParquetLoader {

    private static final int UNRESOLVED = -1;
    /** The optional column naming each customer's experiment arm (see TEAM contract "Arms in a snapshot"). */
    static final String ARM = "arm";

    private SnapshotParquetLoader() {
    }

    static TenantSnapshotIndex load(Path file, String snapshotId, Instant builtAt) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(snapshotId, "snapshotId");
        Objects.requireNonNull(builtAt, "builtAt");
        return new Load(file).run(snapshotId, builtAt);
    }

    /** What a snapshot column may hold. */
    private enum Kind {
        STRING("a string (BINARY, optionally annotated STRING)"),
        INT32("an INT32"),
        NUMBER("a DOUBLE or FLOAT"),
        INTEGER("an INT32 or INT64"),
        DATE("an INT32 annotated DATE");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        boolean accepts(PrimitiveType type) {
            LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
            PrimitiveTypeName name = type.getPrimitiveTypeName();
            return switch (this) {
                case STRING -> name == PrimitiveTypeName.BINARY && (logical == null
                        || logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                        || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation);
                case INT32 -> name == PrimitiveTypeName.INT32
                        && (logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation);
                case NUMBER -> (name == PrimitiveTypeName.DOUBLE || name == PrimitiveTypeName.FLOAT) && logical == null;
                case INTEGER -> (name == PrimitiveTypeName.INT32 || name == PrimitiveTypeName.INT64)
                        && (logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation);
                case DATE -> name == PrimitiveTypeName.INT32
                        && logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation;
            };
        }
    }

    private static final String[] COLUMNS = {RecommendationsFile.TENANT_ID, RecommendationsFile.CUSTOMER_ID, RecommendationsFile.RANK,
            RecommendationsFile.PRODUCT_ID, RecommendationsFile.SCORE, RecommendationsFile.MODEL_VERSION, RecommendationsFile.RUN_DATE};
    private static final Kind[] KINDS = {Kind.STRING, Kind.STRING, Kind.INT32, Kind.STRING, Kind.NUMBER, Kind.INTEGER,
            Kind.DATE};
    private static final int TENANT = 0;
    private static final int CUSTOMER = 1;
    private static final int RANK = 2;
    private static final int PRODUCT = 3;
    private static final int SCORE = 4;
    private static final int MODEL_VERSION = 5;
    private static final int RUN_DATE = 6;

    /** One load of one snapshot path; not thread-safe. */
    private static final class Load {
        private final Path path;
        private String partNote = "";

        private TenantSnapshotIndex.Assembler assembler;
        private long rowsRead;

        // state carried from row to row, across row groups and part files
        private String tenant;
        private Binary tenantBytes;
        private int runDate;
        private boolean hasArms;
        private final Map<Binary, Integer> armCodes = new HashMap<>();
        private final List<String> armNames = new ArrayList<>();
        private final List<Long> armVersions = new ArrayList<>();
        private Integer footerVersion;
        private int previousArm;
        private Binary previousCustomer;
        private int previousRank;

        private final Map<Binary, Integer> productCodes = new HashMap<>();
        private final List<String> products = new ArrayList<>();
        private int[] codeByDictionaryId = new int[0];

        Load(Path path) {
            this.path = path;
        }

        TenantSnapshotIndex run(String snapshotId, Instant builtAt) {
            List<Path> parts = parts();
            List<ParquetFileReader> readers = new ArrayList<>();
            try {
                long rows = 0;
                for (Path p : parts) {
                    partNote = parts.size() == 1 ? "" : " (part " + p.getFileName() + ")";
                    ParquetFileReader reader = open(p);
                    readers.add(reader);
                    rows += reader.getRecordCount();
                }
                partNote = "";
                if (rows == 0) {
                    throw fail(null, "has no rows; every customer of the tenant has at least one row (one marker "
                            + "row of rank 0 when its list is empty)");
                }
                if (rows > Integer.MAX_VALUE - 8) {
                    throw fail(null, "has " + rows + " rows; one index holds at most " + (Integer.MAX_VALUE - 8));
                }
                assembler = new TenantSnapshotIndex.Assembler((int) rows);
                for (int i = 0; i < parts.size(); i++) {
                    partNote = parts.size() == 1 ? "" : " (part " + parts.get(i).getFileName() + ")";
                    read(readers.get(i));
                }
            } finally {
                for (ParquetFileReader reader : readers) {
                    try {
                        reader.close();
                    } catch (IOException ignored) {
                        // read-only: nothing is lost
                    }
                }
            }
            partNote = "";
            String[] dictionary = products.toArray(String[]::new);
            String[] arms = armNames.toArray(String[]::new);
            int[] versions = new int[arms.length];
            for (int a = 0; a < arms.length; a++) {
                versions[a] = (int) (long) armVersions.get(a);
            }
            int champion = armNames.indexOf(RecommendationId.CHAMPION);
            int snapshotVersion = footerVersion != null ? footerVersion : versions[Math.max(champion, 0)];
            return assembler.build(tenant, snapshotId, snapshotVersion, LocalDate.ofEpochDay(runDate),
                    builtAt, arms, versions, dictionary, duplicate -> fail(RecommendationsFile.CUSTOMER_ID, "customer '"
                            + duplicate + "' appears in two separate runs of rows; rows must be sorted by customer, "
                            + "then rank"));
        }

        private List<Path> parts() {
            if (Files.isRegularFile(path)) {
                if (!Files.isReadable(path)) {
                    throw fail(null, "is not readable (check its permissions)");
                }
                return List.of(path);
            }
            if (Files.isDirectory(path)) {
                try (Stream<Path> listing = Files.list(path)) {
                    List<Path> parts = listing.filter(p -> {
                        String name = p.getFileName().toString();
                        return Files.isRegularFile(p) && !name.startsWith(".") && !name.startsWith("_");
                    }).sorted().collect(Collectors.toList());
                    if (parts.isEmpty()) {
                        throw fail(null, "is a folder without part files");
                    }
                    return parts;
                } catch (IOException e) {
                    throw fail(null, "cannot list the folder: " + e.getMessage(), e);
                }
            }
            throw fail(null, "does not exist; publish the tenant's snapshot there first (or point the serving side "
                    + "at the published path)");
        }

        private ParquetFileReader open(Path file) {
            try {
                return ParquetFileReader.open(new LocalInputFile(file),
                        ParquetReadOptions.builder(new PlainParquetConfiguration()).build());
            } catch (IOException | RuntimeException e) {
                throw fail(null, "is not a readable Parquet file: " + e.getMessage(), e);
            }
        }

        private void read(ParquetFileReader reader) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            // an experiment's snapshot names its champion's version in the footer (the champion arm may be small)
            String version = reader.getFooter().getFileMetaData().getKeyValueMetaData()
                    .get(RecommendationsFile.SNAPSHOT_MODEL_VERSION_KEY);
            if (version != null && version.matches("\\d{1,9}")) {
                footerVersion = Integer.parseInt(version);
            }
            MessageType projection = project(schema);
            boolean armColumn = projection.containsField(ARM);
            if (rowsRead > 0 && armColumn != hasArms) {
                throw fail(ARM, "the column is in some part files and not in others");
            }
            hasArms = armColumn;
            ColumnDescriptor[] descriptors = new ColumnDescriptor[COLUMNS.length + (armColumn ? 1 : 0)];
            for (int i = 0; i < descriptors.length; i++) {
                descriptors[i] = projection.getColumnDescription(new String[] {i < COLUMNS.length ? COLUMNS[i] : ARM});
            }
            boolean floatScores = projection.getType(RecommendationsFile.SCORE).asPrimitiveType().getPrimitiveTypeName()
                    == PrimitiveTypeName.FLOAT;
            boolean longVersions = projection.getType(RecommendationsFile.MODEL_VERSION).asPrimitiveType()
                    .getPrimitiveTypeName() == PrimitiveTypeName.INT64;
            String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
            reader.setRequestedSchema(projection);
            try {
                PageReadStore pages;
                while ((pages = reader.readNextRowGroup()) != null) {
                    try (PageReadStore rowGroup = pages) {
                        readRowGroup(rowGroup, projection, descriptors, createdBy, floatScores, longVersions);
                    }
                }
            } catch (SnapshotLoadException e) {
                throw e;
            } catch (Exception e) {
                throw fail(null, "could not be read, it may be truncated or corrupt: " + e, e);
            }
        }

        private void readRowGroup(PageReadStore pages, MessageType projection, ColumnDescriptor[] descriptors,
                                  String createdBy, boolean floatScores, boolean longVersions) {
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, DISCARD, projection, createdBy);
            ColumnReader[] columns = new ColumnReader[descriptors.length];
            int[] maxDefinition = new int[descriptors.length];
            for (int i = 0; i < descriptors.length; i++) {
                columns[i] = store.getColumnReader(descriptors[i]);
                maxDefinition[i] = descriptors[i].getMaxDefinitionLevel();
            }
            long rows = pages.getRowCount();
            rowGroup(columns, maxDefinition, floatScores, longVersions, rowsRead, rows);
            rowsRead += rows;
        }

        private MessageType project(MessageType schema) {
            List<Type> fields = new ArrayList<>(COLUMNS.length);
            for (int i = 0; i < COLUMNS.length; i++) {
                String name = COLUMNS[i];
                if (!schema.containsField(name)) {
                    throw fail(name, "the column is missing; the file has columns " + schema.getFields().stream()
                            .map(Type::getName).collect(Collectors.joining(", ", "[", "]")) + " and a snapshot needs "
                            + Arrays.toString(COLUMNS));
                }
                Type field = schema.getType(name);
                if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)
                        || !KINDS[i].accepts(field.asPrimitiveType())) {
                    throw fail(name, "has type '" + field.toString().trim() + "' but must be " + KINDS[i].expected);
                }
                fields.add(field);
            }
            if (schema.containsField(ARM)) {
                Type field = schema.getType(ARM);
                if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)
                        || !Kind.STRING.accepts(field.asPrimitiveType())) {
                    throw fail(ARM, "has type '" + field.toString().trim() + "' but must be " + Kind.STRING.expected);
                }
                fields.add(field);
            }
            return new MessageType(schema.getName(), fields);
        }

        private void rowGroup(ColumnReader[] columns, int[] maxDefinition, boolean floatScores, boolean longVersions,
                              long firstRow, long rows) {
            TenantSnapshotIndex.Assembler out = assembler;
            ColumnReader tenants = columns[TENANT];
            ColumnReader customers = columns[CUSTOMER];
            ColumnReader ranks = columns[RANK];
            ColumnReader productIds = columns[PRODUCT];
            ColumnReader scores = columns[SCORE];
            ColumnReader versions = columns[MODEL_VERSION];
            ColumnReader dates = columns[RUN_DATE];
            ColumnReader armIds = columns.length > COLUMNS.length ? columns[COLUMNS.length] : null;
            int maxArmDefinition = armIds == null ? 0 : maxDefinition[COLUMNS.length];
            boolean dictionaryProducts = true;
            Arrays.fill(codeByDictionaryId, UNRESOLVED);
            for (long r = 0; r < rows; r++) {
                long row = firstRow + r;
                // tenant, model version, run date: one value for the whole snapshot
                if (tenants.getCurrentDefinitionLevel() < maxDefinition[TENANT]) {
                    throw nullValue(RecommendationsFile.TENANT_ID, row, "every row names the tenant");
                }
                Binary tenantId = tenants.getBinary();
                if (tenantBytes == null) {
                    tenantBytes = Binary.fromConstantByteArray(tenantId.getBytes());
                    tenant = tenantBytes.toStringUsingUTF8();
                } else if (!tenantBytes.equals(tenantId)) {
                    throw fail(RecommendationsFile.TENANT_ID, "holds rows of more than one tenant: '" + tenant
                            + "' (row 0) and '" + tenantId.toStringUsingUTF8() + "' (row " + row
                            + "); a snapshot holds exactly one tenant's lists");
                }
                tenants.consume();
                if (versions.getCurrentDefinitionLevel() < maxDefinition[MODEL_VERSION]) {
                    throw nullValue(RecommendationsFile.MODEL_VERSION, row, "every row names the model that scored it");
                }
                long version = longVersions ? versions.getLong() : versions.getInteger();
                versions.consume();
                if (dates.getCurrentDefinitionLevel() < maxDefinition[RUN_DATE]) {
                    throw nullValue(RecommendationsFile.RUN_DATE, row, "every row names the run date");
                }
                int date = dates.getInteger();
                dates.consume();
                int arm = 0;
                if (armIds != null) {
                    Binary armId = armIds.getCurrentDefinitionLevel() < maxArmDefinition ? null : armIds.getBinary();
                    armIds.consume();
                    arm = armCode(armId, version, row);
                } else if (armNames.isEmpty()) {
                    armCode(null, version, row);
                }
                if (version < Integer.MIN_VALUE || version > Integer.MAX_VALUE) {
                    throw fail(RecommendationsFile.MODEL_VERSION, "model version " + version + " (row " + row
                            + ") does not fit in an int");
                }
                if (row == 0) {
                    runDate = date;
                }
                if (version != armVersions.get(arm)) {
                    throw fail(RecommendationsFile.MODEL_VERSION, armIds == null
                            ? "holds rows of more than one model version: " + armVersions.get(arm) + " (row 0) and "
                                    + version + " (row " + row + "); a snapshot comes from one model"
                            : "arm '" + armNames.get(arm) + "' holds rows of more than one model version: "
                                    + armVersions.get(arm) + " and " + version + " (row " + row
                                    + "); an arm's lists come from one model");
                } else if (date != runDate) {
                    throw fail(RecommendationsFile.RUN_DATE, "holds rows of more than one run date: "
                            + LocalDate.ofEpochDay(runDate) + " (row 0) and " + LocalDate.ofEpochDay(date) + " (row "
                            + row + "); a snapshot comes from one night");
                }

                // customer and rank: lists in order, each 1, 2, 3, ... or one marker row
                if (customers.getCurrentDefinitionLevel() < maxDefinition[CUSTOMER]) {
                    throw nullValue(RecommendationsFile.CUSTOMER_ID, row, "every row names its customer");
                }
                Binary customer = customers.getBinary();
                customers.consume();
                if (ranks.getCurrentDefinitionLevel() < maxDefinition[RANK]) {
                    throw nullValue(RecommendationsFile.RANK, row, "every row has a rank (0 for the marker row of an "
                            + "empty list)");
                }
                int rank = ranks.getInteger();
                ranks.consume();
                boolean newCustomer = previousCustomer == null || !previousCustomer.equals(customer);
                if (newCustomer) {
                    // a copy: the value may point into a page buffer that is released with its row group
                    byte[] id = customer.getBytes();
                    previousCustomer = Binary.fromConstantByteArray(id);
                    out.startCustomer(id, arm);
                    previousArm = arm;
                    if (rank != RecommendationsFile.EMPTY_LIST_RANK && rank != 1) {
                        throw fail(RecommendationsFile.RANK, "row " + row + ": the list of customer '"
                                + out.currentCustomerId() + "' starts at rank " + rank + "; a list starts at rank 1, "
                                + "or is one marker row of rank 0 (rows sorted by customer, then rank)");
                    }
                } else if (arm != previousArm) {
                    throw fail(ARM, "row " + row + ": customer '" + out.currentCustomerId() + "' has rows in arms '"
                            + armNames.get(previousArm) + "' and '" + armNames.get(arm) + "'; each customer is in "
                            + "exactly one arm");
                } else if (previousRank == RecommendationsFile.EMPTY_LIST_RANK) {
                    throw fail(RecommendationsFile.RANK, "row " + row + ": customer '" + out.currentCustomerId()
                            + "' has a marker row (rank 0) and more rows; an empty list is exactly one marker row");
                } else if (rank != previousRank + 1) {
                    throw fail(RecommendationsFile.RANK, "row " + row + ": customer '" + out.currentCustomerId()
                            + "' has rank " + rank + " after rank " + previousRank + "; ranks run 1, 2, 3, ... "
                            + "(rows sorted by customer, then rank)");
                }
                previousRank = rank;

                // product and score: both absent on a marker row, both present otherwise
                boolean hasProduct = productIds.getCurrentDefinitionLevel() >= maxDefinition[PRODUCT];
                boolean hasScore = scores.getCurrentDefinitionLevel() >= maxDefinition[SCORE];
                if (rank == RecommendationsFile.EMPTY_LIST_RANK) {
                    if (hasProduct || hasScore) {
                        throw fail(hasProduct ? RecommendationsFile.PRODUCT_ID : RecommendationsFile.SCORE, "row " + row
                                + ": the marker row (rank 0) of customer '" + out.currentCustomerId() + "' has a "
                                + (hasProduct ? "product '" + productIds.getBinary().toStringUsingUTF8() + "'"
                                : "score") + "; a marker row has neither product nor score");
                    }
                } else {
                    if (!hasProduct) {
                        throw nullValue(RecommendationsFile.PRODUCT_ID, row, "only the marker row (rank 0) of an empty "
                                + "list may have no product");
                    }
                    if (!hasScore) {
                        throw nullValue(RecommendationsFile.SCORE, row, "only the marker row (rank 0) of an empty list "
                                + "may have no score");
                    }
                    int code = UNRESOLVED;
                    if (dictionaryProducts) {
                        try {
                            code = dictionaryCode(productIds.getCurrentValueDictionaryID(), productIds);
                        } catch (UnsupportedOperationException plainPage) {
                            // writers fall back to plain pages for the rest of a chunk once the dictionary is full
                            dictionaryProducts = false;
                        }
                    }
                    if (code == UNRESOLVED) {
                        code = productCode(productIds.getBinary());
                    }
                    double value = floatScores ? scores.getFloat() : scores.getDouble();
                    if (!Double.isFinite(value)) {
                        throw fail(RecommendationsFile.SCORE, "row " + row + ": score " + value + " of customer '"
                                + out.currentCustomerId() + "' is not finite; scores must be finite numbers");
                    }
                    out.add(code, (float) value);
                }
                productIds.consume();
                scores.consume();
            }
        }

        /** The ordinal of an arm (null: champion), registering it with the model version of its first row. */
        private int armCode(Binary armId, long version, long row) {
            Binary key = armId == null ? CHAMPION_BYTES : armId;
            Integer code = armCodes.get(key);
            if (code == null) {
                String name = key.toStringUsingUTF8();
                if (!ServingFile.ARM_NAME.matcher(name).matches()) {
                    throw fail(ARM, "row " + row + ": arm '" + name + "' must be 1-80 characters of [A-Za-z0-9_-]");
                }
                if (armNames.size() == ServingFile.MAX_ARMS) {
                    throw fail(ARM, "holds more than " + ServingFile.MAX_ARMS + " arms");
                }
                code = armNames.size();
                armNames.add(name);
                armVersions.add(version);
                armCodes.put(Binary.fromConstantByteArray(key.getBytes()), code);
            }
            return code;
        }

        /** The product code of dictionary entry {@code id} of the current chunk, resolved once per chunk. */
        private int dictionaryCode(int id, ColumnReader productIds) {
            if (id >= codeByDictionaryId.length) {
                int old = codeByDictionaryId.length;
                codeByDictionaryId = Arrays.copyOf(codeByDictionaryId, Math.max(id + 1, old * 2));
                Arrays.fill(codeByDictionaryId, old, codeByDictionaryId.length, UNRESOLVED);
            }
            int code = codeByDictionaryId[id];
            if (code == UNRESOLVED) {
                code = productCode(productIds.getBinary());
                codeByDictionaryId[id] = code;
            }
            return code;
        }

        private int productCode(Binary productId) {
            Integer code = productCodes.get(productId);
            if (code == null) {
                // copy: the key must not point into a page buffer
                Binary key = Binary.fromConstantByteArray(productId.getBytes());
                code = products.size();
                products.add(key.toStringUsingUTF8());
                productCodes.put(key, code);
            }
            return code;
        }

        private SnapshotLoadException nullValue(String column, long row, String rule) {
            return fail(column, "row " + row + " is null; " + rule);
        }

        private SnapshotLoadException fail(String column, String problem) {
            return fail(column, problem, null);
        }

        private SnapshotLoadException fail(String column, String problem, Throwable cause) {
            return new SnapshotLoadException(path, column, problem + partNote, cause);
        }
    }

    private static final Binary CHAMPION_BYTES = Binary.fromString(RecommendationId.CHAMPION);

    /**
     * The column readers need a converter tree; values are read directly, so it discards everything. It claims
     * dictionary support: without it the readers decode every value of a dictionary page and
     * {@link ColumnReader#getCurrentValueDictionaryID()} throws, so ids could not be resolved once per dictionary
     * entry.
     */
    private static final GroupConverter DISCARD = new GroupConverter() {
        private final PrimitiveConverter discard = new PrimitiveConverter() {
            @Override
            public boolean hasDictionarySupport() {
                return true;
            }

            @Override
            public void setDictionary(Dictionary dictionary) {
            }
        };

        @Override
        public Converter getConverter(int fieldIndex) {
            return discard;
        }

        @Override
        public void start() {
        }

        @Override
        public void end() {
        }
    };
}
