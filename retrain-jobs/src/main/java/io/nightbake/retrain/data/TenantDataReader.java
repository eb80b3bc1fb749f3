package io.nightbake.retrain.data;

import io.nightbake.tenant.TenantId;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
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
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads and validates one tenant folder into a {@link TenantDataset}.
 *
 * <p>Accepts what {@link TenantDataWriter} writes and what Spark writes: nullable columns (nulls are
 * still rejected where a value is required), timestamps as INT64 micros/millis/nanos (UTC or local),
 * INT96 or DATE, values as DOUBLE, FLOAT, INT32 or INT64, and a file name that is a folder of part files
 * ({@code interactions.parquet/part-00000-....parquet}). Customers that appear only in interactions are
 * added with no attributes.
 *
 * <p>Anything that breaks the contract throws {@link TenantDataException} naming tenant, file and column:
 * a missing or unreadable file, a missing required column, a column of the wrong type, nulls in a
 * required column, NaN or infinite values, no interactions, interactions with product ids that are not
 * in the products file, duplicate product or customer ids.
 *
 * <p>Reading is column-wise per row group with no per-row objects for dictionary-encoded ids.
 */
public final class TenantDataReader {

    private static final long MICROS_PER_DAY = 86_400_000_000L;
    /** Julian day number of 1970-01-01, for INT96 timestamps. */
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;

    private TenantDataReader() {
    }

    public static TenantDataset read(TenantId tenant, Path tenantDir) {
        if (!Files.isDirectory(tenantDir)) {
            throw new TenantDataException(tenant, DataContract.INTERACTIONS, null,
                    "the tenant folder " + tenantDir + " does not exist; write the tenant's "
                            + DataContract.INTERACTIONS + ", " + DataContract.CUSTOMERS + " and "
                            + DataContract.PRODUCTS + " there");
        }
        return new Load(tenant, tenantDir).run();
    }

    // ---------------------------------------------------------------- one load

    private static final class Load {
        private final TenantId tenant;
        private final Path dir;
        private final TenantDataset.Builder builder;
        private final IdMap customers = new IdMap();
        private final IdMap products = new IdMap();

        Load(TenantId tenant, Path dir) {
            this.tenant = tenant;
            this.dir = dir;
            this.builder = TenantDataset.builder(tenant);
        }

        TenantDataset run() {
            // check that all three exist before reading any, so the first error names the real gap
            List<Path> productParts = parts(DataContract.PRODUCTS);
            List<Path> customerParts = parts(DataContract.CUSTOMERS);
            List<Path> interactionParts = parts(DataContract.INTERACTIONS);
            readProducts(productParts);
            readCustomers(customerParts);
            readInteractions(interactionParts);
            FeedbackMerge.into(builder, tenant, dir);
            return builder.build();
        }

        private void readProducts(List<Path> parts) {
            String file = DataContract.PRODUCTS;
            Col id = Col.required(DataContract.PRODUCT_ID, Kind.STRING);
            Col active = Col.required(DataContract.ACTIVE, Kind.BOOLEAN);
            Col category = Col.optional(DataContract.CATEGORY, Kind.STRING);
            Tally duplicates = new Tally();
            String[] firstDuplicate = new String[2];
            IdMap categories = new IdMap();
            List<String> categoryValues = new ArrayList<>();
            scan(file, parts, List.of(id, active, category), (rowGroup, firstRow, rows) -> {
                ColumnReader ids = rowGroup.reader(id);
                ColumnReader actives = rowGroup.reader(active);
                ColumnReader cats = rowGroup.reader(category);
                for (int r = 0; r < rows; r++) {
                    long row = firstRow + r;
                    Binary pid = id.isNull(ids) ? null : ids.getBinary();
                    ids.consume();
                    boolean isActive = false;
                    if (active.isNull(actives)) {
                        active.nulls.add(row);
                    } else {
                        isActive = actives.getBoolean();
                    }
                    actives.consume();
                    String cat = optionalAttribute(category, cats, categories, categoryValues);
                    if (pid == null) {
                        id.nulls.add(row);
                        continue;
                    }
                    int existing = products.get(pid);
                    if (existing >= 0) {
                        if (duplicates.count == 0) {
                            firstDuplicate[0] = pid.toStringUsingUTF8();
                            firstDuplicate[1] = "rows " + products.row(existing) + " and " + row;
                        }
                        duplicates.add(row);
                        continue;
                    }
                    int index = builder.addProduct(pid.toStringUsingUTF8(), isActive, cat);
                    products.put(pid.copy(), index, row);
                }
            });
            checkNulls(file, id, active);
            if (duplicates.count > 0) {
                throw fail(file, DataContract.PRODUCT_ID, duplicates.count + " duplicate product id"
                        + (duplicates.count == 1 ? "" : "s") + " (first '" + firstDuplicate[0] + "' at "
                        + firstDuplicate[1] + "); each product must appear once");
            }
        }

        private void readCustomers(List<Path> parts) {
            String file = DataContract.CUSTOMERS;
            Col id = Col.required(DataContract.CUSTOMER_ID, Kind.STRING);
            Col region = Col.optional(DataContract.REGION, Kind.STRING);
            Col segment = Col.optional(DataContract.SEGMENT, Kind.STRING);
            Tally duplicates = new Tally();
            String[] firstDuplicate = new String[2];
            IdMap regions = new IdMap();
            List<String> regionValues = new ArrayList<>();
            IdMap segments = new IdMap();
            List<String> segmentValues = new ArrayList<>();
            scan(file, parts, List.of(id, region, segment), (rowGroup, firstRow, rows) -> {
                ColumnReader ids = rowGroup.reader(id);
                ColumnReader regs = rowGroup.reader(region);
                ColumnReader segs = rowGroup.reader(segment);
                for (int r = 0; r < rows; r++) {
                    long row = firstRow + r;
                    Binary cid = id.isNull(ids) ? null : ids.getBinary();
                    ids.consume();
                    String reg = optionalAttribute(region, regs, regions, regionValues);
                    String seg = optionalAttribute(segment, segs, segments, segmentValues);
                    if (cid == null) {
                        id.nulls.add(row);
                        continue;
                    }
                    int existing = customers.get(cid);
                    if (existing >= 0) {
                        if (duplicates.count == 0) {
                            firstDuplicate[0] = cid.toStringUsingUTF8();
                            firstDuplicate[1] = "rows " + customers.row(existing) + " and " + row;
                        }
                        duplicates.add(row);
                        continue;
                    }
                    int index = builder.addCustomer(cid.toStringUsingUTF8(), reg, seg);
                    customers.put(cid.copy(), index, row);
                }
            });
            checkNulls(file, id);
            if (duplicates.count > 0) {
                throw fail(file, DataContract.CUSTOMER_ID, duplicates.count + " duplicate customer id"
                        + (duplicates.count == 1 ? "" : "s") + " (first '" + firstDuplicate[0] + "' at "
                        + firstDuplicate[1] + "); each customer must appear once");
            }
        }

        private void readInteractions(List<Path> parts) {
            String file = DataContract.INTERACTIONS;
            Col customerId = Col.required(DataContract.CUSTOMER_ID, Kind.STRING);
            Col productId = Col.required(DataContract.PRODUCT_ID, Kind.STRING);
            Col value = Col.required(DataContract.VALUE, Kind.NUMBER);
            Col eventTime = Col.required(DataContract.EVENT_TIME, Kind.TIMESTAMP);
            Col eventType = Col.optional(DataContract.EVENT_TYPE, Kind.STRING);
            Tally unknownProducts = new Tally();
            String[] firstUnknown = new String[1];
            IdMap eventTypes = new IdMap();
            long[] totalRows = new long[1];
            RowBuffers buf = new RowBuffers();
            scan(file, parts, List.of(customerId, productId, value, eventTime, eventType), (rowGroup, firstRow, rows) -> {
                totalRows[0] += rows;
                buf.ensure(rows);
                builder.expectInteractions(builder.interactionCount() + rows);
                // column by column: tight loops, one reader each; ids resolved once per dictionary entry
                ColumnReader cr = rowGroup.reader(customerId);
                CachedStrings customerIds = new CachedStrings(cr, b -> {
                    int c = customers.get(b);
                    if (c < 0) {
                        c = builder.addCustomer(b.toStringUsingUTF8());
                        customers.put(b.copy(), c, -1);
                    }
                    return c;
                });
                for (int r = 0; r < rows; r++) {
                    if (customerId.isNull(cr)) {
                        customerId.nulls.add(firstRow + r);
                        buf.customer[r] = -1;
                    } else {
                        buf.customer[r] = customerIds.current();
                    }
                    cr.consume();
                }
                ColumnReader pr = rowGroup.reader(productId);
                CachedStrings productIds = new CachedStrings(pr, products::get);
                for (int r = 0; r < rows; r++) {
                    if (productId.isNull(pr)) {
                        productId.nulls.add(firstRow + r);
                        buf.product[r] = -1;
                    } else {
                        int p = productIds.current();
                        if (p < 0) {
                            if (unknownProducts.count == 0) {
                                firstUnknown[0] = pr.getBinary().toStringUsingUTF8();
                            }
                            unknownProducts.add(firstRow + r);
                        }
                        buf.product[r] = p;
                    }
                    pr.consume();
                }
                readNumbers(rowGroup, value, firstRow, rows, buf.value);
                readTimestamps(rowGroup, eventTime, firstRow, rows, buf.time);
                ColumnReader tr = rowGroup.reader(eventType);
                if (tr == null) {
                    Arrays.fill(buf.eventType, 0, rows, -1);
                } else {
                    CachedStrings types = new CachedStrings(tr, b -> {
                        int code = eventTypes.get(b);
                        if (code < 0) {
                            code = builder.eventTypeCode(b.toStringUsingUTF8());
                            eventTypes.put(b.copy(), code, -1);
                        }
                        return code;
                    });
                    for (int r = 0; r < rows; r++) {
                        buf.eventType[r] = eventType.isNull(tr) ? -1 : types.current();
                        tr.consume();
                    }
                }
                if (customerId.nulls.count + productId.nulls.count + value.nulls.count + value.invalid.count
                        + eventTime.nulls.count + unknownProducts.count == 0) {
                    for (int r = 0; r < rows; r++) {
                        builder.addInteractionCoded(buf.customer[r], buf.product[r], buf.value[r], buf.time[r],
                                buf.eventType[r]);
                    }
                }
            });
            checkNulls(file, customerId, productId, value, eventTime);
            if (value.invalid.count > 0) {
                throw fail(file, DataContract.VALUE, value.invalid.count + " value"
                        + (value.invalid.count == 1 ? " is" : "s are") + " NaN, infinite or beyond +-"
                        + String.format(java.util.Locale.ROOT, "%.0e", DataContract.MAX_ABS_VALUE) + " (first at row "
                        + value.invalid.firstRow + "); every interaction needs a finite value of ordinary size");
            }
            if (unknownProducts.count > 0) {
                throw fail(file, DataContract.PRODUCT_ID, unknownProducts.count
                        + (unknownProducts.count == 1 ? " interaction names" : " interactions name")
                        + " a product id that is not in "
                        + DataContract.PRODUCTS + " (first '" + firstUnknown[0] + "' at row "
                        + unknownProducts.firstRow + "); add the product or drop those interactions");
            }
            if (totalRows[0] == 0) {
                throw fail(file, null, "has no interaction rows; a model needs at least one interaction");
            }
        }

        // ------------------------------------------------------------ typed column readers

        private void readNumbers(RowGroup rowGroup, Col col, long firstRow, int rows, double[] out) {
            ColumnReader reader = rowGroup.reader(col);
            PrimitiveType.PrimitiveTypeName type = rowGroup.type(col).getPrimitiveTypeName();
            for (int r = 0; r < rows; r++) {
                if (col.isNull(reader)) {
                    col.nulls.add(firstRow + r);
                } else {
                    double v = switch (type) {
                        case DOUBLE -> reader.getDouble();
                        case FLOAT -> reader.getFloat();
                        case INT32 -> reader.getInteger();
                        case INT64 -> reader.getLong();
                        default -> throw new IllegalStateException(type.name());
                    };
                    if (!Double.isFinite(v) || Math.abs(v) > DataContract.MAX_ABS_VALUE) {
                        col.invalid.add(firstRow + r);
                    }
                    out[r] = v;
                }
                reader.consume();
            }
        }

        private void readTimestamps(RowGroup rowGroup, Col col, long firstRow, int rows, long[] out) {
            ColumnReader reader = rowGroup.reader(col);
            TimeEncoding encoding = TimeEncoding.of(rowGroup.type(col));
            for (int r = 0; r < rows; r++) {
                if (col.isNull(reader)) {
                    col.nulls.add(firstRow + r);
                } else {
                    out[r] = switch (encoding) {
                        case MICROS -> reader.getLong();
                        case MILLIS -> reader.getLong() * 1_000L;
                        case NANOS -> Math.floorDiv(reader.getLong(), 1_000L);
                        case INT96 -> int96ToMicros(reader.getBinary());
                        case DATE -> reader.getInteger() * MICROS_PER_DAY;
                    };
                }
                reader.consume();
            }
        }

        /** The next value of an optional string attribute column (null when absent or null), consumed. */
        private static String optionalAttribute(Col col, ColumnReader reader, IdMap codes, List<String> values) {
            if (reader == null) {
                return null;
            }
            String value = col.isNull(reader) ? null : attribute(reader.getBinary(), codes, values);
            reader.consume();
            return value;
        }

        private static String attribute(Binary value, IdMap codes, List<String> values) {
            int code = codes.get(value);
            if (code < 0) {
                code = values.size();
                values.add(value.toStringUsingUTF8());
                codes.put(value.copy(), code, -1);
            }
            return values.get(code);
        }

        private void checkNulls(String file, Col... columns) {
            for (Col col : columns) {
                if (col.nulls.count > 0) {
                    throw fail(file, col.name, col.nulls.count + " value" + (col.nulls.count == 1 ? " is" : "s are")
                            + " null (first at row " + col.nulls.firstRow + "); the column is required");
                }
            }
        }

        // ------------------------------------------------------------ files and row groups

        /** The files behind one contract file: itself, or the part files of a Spark-style folder. */
        private List<Path> parts(String file) {
            Path path = dir.resolve(file);
            if (Files.isRegularFile(path)) {
                if (!Files.isReadable(path)) {
                    throw fail(file, null, "is not readable (check its permissions)");
                }
                return List.of(path);
            }
            if (Files.isDirectory(path)) {
                try (Stream<Path> listing = Files.list(path)) {
                    List<Path> parts = listing
                            .filter(p -> {
                                String name = p.getFileName().toString();
                                return Files.isRegularFile(p) && !name.startsWith(".") && !name.startsWith("_");
                            })
                            .sorted()
                            .collect(Collectors.toList());
                    if (parts.isEmpty()) {
                        throw fail(file, null, "is a folder without part files");
                    }
                    return parts;
                } catch (IOException e) {
                    throw fail(file, null, "cannot list the folder: " + e.getMessage(), e);
                }
            }
            throw fail(file, null, "is missing from " + dir + "; every tenant folder needs " + DataContract.INTERACTIONS
                    + ", " + DataContract.CUSTOMERS + " and " + DataContract.PRODUCTS);
        }

        private void scan(String file, List<Path> parts, List<Col> cols, RowGroupHandler handler) {
            long firstRow = 0;
            ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
            for (Path part : parts) {
                String where = parts.size() == 1 ? "" : " (part " + part.getFileName() + ")";
                ParquetFileReader reader;
                try {
                    reader = ParquetFileReader.open(new LocalInputFile(part), options);
                } catch (IOException | RuntimeException | StackOverflowError e) {
                    // a damaged footer can send the Thrift decoder into deep recursion
                    throw fail(file, null, "is not a readable Parquet file" + where + ": " + describe(e), e);
                }
                try (reader) {
                    MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                    RowGroup rowGroup = new RowGroup(file, where, schema, cols);
                    reader.setRequestedSchema(rowGroup.projection);
                    String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
                    PageReadStore pages;
                    while ((pages = reader.readNextRowGroup()) != null) {
                        long rows = pages.getRowCount();
                        if (rows > Integer.MAX_VALUE) {
                            throw fail(file, null, "has a row group of " + rows + " rows" + where + "; at most "
                                    + Integer.MAX_VALUE + " are supported");
                        }
                        rowGroup.open(new ColumnReadStoreImpl(pages, new DiscardingConverter(), rowGroup.projection,
                                createdBy));
                        handler.rowGroup(rowGroup, firstRow, (int) rows);
                        firstRow += rows;
                    }
                } catch (TenantDataException e) {
                    throw e;
                } catch (IOException | RuntimeException | StackOverflowError e) {
                    throw fail(file, null, "could not be read" + where + ", it may be truncated or corrupt: "
                            + describe(e), e);
                }
            }
        }

        /** Checks the schema of one part against the requested columns and opens their readers. */
        private final class RowGroup {
            final MessageType projection;
            private final Map<Col, PrimitiveType> types = new HashMap<>();
            private final Map<Col, ColumnDescriptor> descriptors = new HashMap<>();
            private final Map<Col, ColumnReader> readers = new HashMap<>();

            RowGroup(String file, String where, MessageType schema, List<Col> cols) {
                List<Type> fields = new ArrayList<>();
                for (Col col : cols) {
                    Type field = schema.containsField(col.name) ? schema.getType(col.name) : null;
                    if (field == null) {
                        if (col.required) {
                            throw fail(file, col.name, "the required column is missing" + where
                                    + "; the file has columns " + fieldNames(schema));
                        }
                        continue;
                    }
                    if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)
                            || !col.kind.accepts(field.asPrimitiveType())) {
                        throw fail(file, col.name, "has type '" + field.toString().trim() + "'" + where
                                + " but must be " + col.kind.expected);
                    }
                    fields.add(field);
                    types.put(col, field.asPrimitiveType());
                }
                projection = new MessageType(schema.getName(), fields);
                for (Col col : types.keySet()) {
                    descriptors.put(col, projection.getColumnDescription(new String[] {col.name}));
                }
            }

            void open(ColumnReadStoreImpl store) {
                readers.clear();
                for (Map.Entry<Col, ColumnDescriptor> e : descriptors.entrySet()) {
                    e.getKey().maxDefinitionLevel = e.getValue().getMaxDefinitionLevel();
                    readers.put(e.getKey(), store.getColumnReader(e.getValue()));
                }
            }

            /** The column's reader, or null when an optional column is absent. */
            ColumnReader reader(Col col) {
                return readers.get(col);
            }

            PrimitiveType type(Col col) {
                return types.get(col);
            }
        }

        private TenantDataException fail(String file, String column, String problem) {
            return new TenantDataException(tenant, file, column, problem);
        }

        private TenantDataException fail(String file, String column, String problem, Throwable cause) {
            return new TenantDataException(tenant, file, column, problem, cause);
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof StackOverflowError) {
            return "its metadata is damaged";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        // parquet-java names local files by their object identity; the file is already named
        return message.replaceAll("org\\.apache\\.parquet\\.io\\.LocalInputFile@\\p{XDigit}+ ", "");
    }

    private static String fieldNames(MessageType schema) {
        return schema.getFields().stream().map(Type::getName).collect(Collectors.joining(", ", "[", "]"));
    }

    static long int96ToMicros(Binary value) {
        ByteBuffer bytes = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long nanosOfDay = bytes.getLong();
        long julianDay = bytes.getInt() & 0xFFFFFFFFL;
        return (julianDay - JULIAN_EPOCH_DAY) * MICROS_PER_DAY + nanosOfDay / 1_000L;
    }

    @FunctionalInterface
    private interface RowGroupHandler {
        void rowGroup(Load.RowGroup rowGroup, long firstRow, int rows);
    }

    /** What a contract column may hold. */
    private enum Kind {
        STRING("a string (BINARY, optionally annotated STRING)") {
            @Override
            boolean accepts(PrimitiveType type) {
                LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
                return type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
                        && (logical == null || logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                        || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation);
            }
        },
        BOOLEAN("a boolean") {
            @Override
            boolean accepts(PrimitiveType type) {
                return type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BOOLEAN;
            }
        },
        NUMBER("a number (DOUBLE, FLOAT, INT32 or INT64)") {
            @Override
            boolean accepts(PrimitiveType type) {
                LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
                return switch (type.getPrimitiveTypeName()) {
                    case DOUBLE, FLOAT -> logical == null;
                    case INT32, INT64 -> logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation;
                    default -> false;
                };
            }
        },
        TIMESTAMP("a timestamp (INT64 TIMESTAMP in millis, micros or nanos, INT96, or DATE)") {
            @Override
            boolean accepts(PrimitiveType type) {
                return TimeEncoding.of(type) != null;
            }
        };

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        abstract boolean accepts(PrimitiveType type);
    }

    private enum TimeEncoding {
        MICROS, MILLIS, NANOS, INT96, DATE;

        static TimeEncoding of(PrimitiveType type) {
            LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
            switch (type.getPrimitiveTypeName()) {
                case INT96:
                    return INT96;
                case INT32:
                    return logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation ? DATE : null;
                case INT64:
                    if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts) {
                        return switch (ts.getUnit()) {
                            case MILLIS -> MILLIS;
                            case MICROS -> MICROS;
                            case NANOS -> NANOS;
                        };
                    }
                    return null;
                default:
                    return null;
            }
        }
    }

    /** A requested column and what was found in it. Identity equality: used as a map key per load. */
    private static final class Col {
        final String name;
        final Kind kind;
        final boolean required;
        int maxDefinitionLevel;
        final Tally nulls = new Tally();
        final Tally invalid = new Tally();

        private Col(String name, Kind kind, boolean required) {
            this.name = name;
            this.kind = kind;
            this.required = required;
        }

        static Col required(String name, Kind kind) {
            return new Col(name, kind, true);
        }

        static Col optional(String name, Kind kind) {
            return new Col(name, kind, false);
        }

        boolean isNull(ColumnReader reader) {
            return reader.getCurrentDefinitionLevel() < maxDefinitionLevel;
        }
    }

    /** Counts rows with one problem and remembers the first. */
    private static final class Tally {
        long count;
        long firstRow = -1;

        void add(long row) {
            if (count++ == 0) {
                firstRow = row;
            }
        }
    }

    /** Per row group scratch columns for interactions. */
    private static final class RowBuffers {
        int[] customer = new int[0];
        int[] product = new int[0];
        double[] value = new double[0];
        long[] time = new long[0];
        int[] eventType = new int[0];

        void ensure(int rows) {
            if (customer.length < rows) {
                customer = new int[rows];
                product = new int[rows];
                value = new double[rows];
                time = new long[rows];
                eventType = new int[rows];
            }
        }
    }

    /**
     * Binary id -> index, with the row where each id was first seen. Keys must not be reused buffers
     * ({@link Binary#copy()} before {@link #put}); dictionary-encoded values are shared and cost nothing.
     */
    private static final class IdMap {
        private final HashMap<Binary, long[]> entries = new HashMap<>();

        int get(Binary key) {
            long[] entry = entries.get(key);
            return entry == null ? -1 : (int) entry[0];
        }

        long row(int index) {
            for (long[] entry : entries.values()) {
                if (entry[0] == index) {
                    return entry[1];
                }
            }
            return -1;
        }

        void put(Binary key, int index, long row) {
            entries.put(key, new long[] {index, row});
        }
    }

    /**
     * Resolves the current string value of a column reader to an int, calling the resolver once per
     * dictionary entry of the column chunk instead of once per row (ids repeat a lot). Falls back to one
     * call per value for pages that are not dictionary-encoded.
     */
    private static final class CachedStrings {
        private static final int UNRESOLVED = Integer.MIN_VALUE;
        private final ColumnReader reader;
        private final ToIntFunction<Binary> resolver;
        private boolean dictionary = true;
        private int[] byDictionaryId = new int[0];

        CachedStrings(ColumnReader reader, ToIntFunction<Binary> resolver) {
            this.reader = reader;
            this.resolver = resolver;
        }

        /** The resolved current value (the caller checks for null and consumes). */
        int current() {
            if (dictionary) {
                int id;
                try {
                    id = reader.getCurrentValueDictionaryID();
                } catch (UnsupportedOperationException plainPage) {
                    // writers fall back to plain encoding for the rest of a chunk once the dictionary is full
                    dictionary = false;
                    return resolver.applyAsInt(reader.getBinary());
                }
                if (id >= byDictionaryId.length) {
                    int old = byDictionaryId.length;
                    byDictionaryId = Arrays.copyOf(byDictionaryId, Math.max(id + 1, old * 2));
                    Arrays.fill(byDictionaryId, old, byDictionaryId.length, UNRESOLVED);
                }
                int resolved = byDictionaryId[id];
                if (resolved == UNRESOLVED) {
                    resolved = resolver.applyAsInt(reader.getBinary());
                    byDictionaryId[id] = resolved;
                }
                return resolved;
            }
            return resolver.applyAsInt(reader.getBinary());
        }
    }

    /** The column readers need a converter tree; we read values directly, so it discards everything. */
    private static final class DiscardingConverter extends GroupConverter {
        private static final PrimitiveConverter DISCARD = new PrimitiveConverter() {
            // claiming dictionary support makes the column readers expose dictionary ids
            @Override
            public boolean hasDictionarySupport() {
                return true;
            }

            @Override
            public void setDictionary(org.apache.parquet.column.Dictionary dictionary) {
            }
        };

        @Override
        public Converter getConverter(int fieldIndex) {
            return DISCARD;
        }

        @Override
        public void start() {
        }

        @Override
        public void end() {
        }
    }
}
