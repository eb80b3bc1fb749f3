package io.nightbake.retrain.data;

import io.nightbake.feedback.FeedbackEvent;
import io.nightbake.feedback.FeedbackEventType;
import io.nightbake.tenant.TenantId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * A tenant's compacted feedback: {@code <tenant>/feedback/date=YYYY-MM-DD/part-*.parquet}, one folder per day of the
 * events' time (UTC). Files are written beside their target, moved into place and synced (file and folder) before the
 * caller deletes the events from the database, so an acknowledged event is always in the database or in a durable
 * file, and possibly in both for a moment: readers drop repeated event ids (the first file, by name, wins).
 */
public final class FeedbackFiles {

    public static final String FOLDER = "feedback";
    public static final String EVENT_ID = "event_id";
    public static final String TYPE = "event_type";
    public static final String RECOMMENDATION_ID = "recommendation_id";
    public static final String RANK = "rank";
    public static final String RECEIVED_AT = "received_at";

    public static final MessageType SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(EVENT_ID)
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(DataContract.CUSTOMER_ID)
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(DataContract.PRODUCT_ID)
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TYPE)
            .optional(PrimitiveTypeName.DOUBLE).named(DataContract.VALUE)
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(DataContract.EVENT_TIME)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RECOMMENDATION_ID)
            .optional(PrimitiveTypeName.INT32).named(RANK)
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(RECEIVED_AT)
            .named("feedback_event");

    private FeedbackFiles() {
    }

    /** One event read back from a file, with when it was received and the file (relative to the tenant folder). */
    public record Record(FeedbackEvent event, Instant receivedAt, String file) {
    }

    /** An event to write and when it was received. */
    public record Row(FeedbackEvent event, Instant receivedAt) {
    }

    public static Path dayFolder(Path tenantDir, LocalDate date) {
        return tenantDir.resolve(FOLDER).resolve("date=" + date);
    }

    /** Writes one part file of a day and makes it durable; returns its path. An existing file is replaced. */
    public static Path write(Path tenantDir, LocalDate date, String partName, List<Row> rows) {
        Path dir = dayFolder(tenantDir, date);
        Path file = dir.resolve(partName);
        try {
            Files.createDirectories(dir);
            TenantDataWriter.writeFile(file, SCHEMA, rows.size(), (row, out) -> emit(rows.get(row), out));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                channel.force(true);
            }
            syncFolder(dir);
            syncFolder(dir.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write feedback file " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** The days that have a folder, oldest first. */
    public static List<LocalDate> days(Path tenantDir) {
        Path root = tenantDir.resolve(FOLDER);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<LocalDate> days = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path dir : entries.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (Files.isDirectory(dir) && name.startsWith("date=")) {
                    try {
                        days.add(LocalDate.parse(name.substring(5)));
                    } catch (DateTimeParseException ignored) {
                        // not one of ours: left alone
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        days.sort(Comparator.naturalOrder());
        return days;
    }

    /** Every event of every day, each event id once. */
    public static List<Record> readAll(TenantId tenant, Path tenantDir) {
        List<Record> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (LocalDate day : days(tenantDir)) {
            readDay(tenant, tenantDir, day, seen, all);
        }
        return all;
    }

    /** The events of one day, each event id once. */
    public static List<Record> readDay(TenantId tenant, Path tenantDir, LocalDate day) {
        List<Record> records = new ArrayList<>();
        readDay(tenant, tenantDir, day, new HashSet<>(), records);
        return records;
    }

    private static void readDay(TenantId tenant, Path tenantDir, LocalDate day, Set<String> seen, List<Record> out) {
        Path dir = dayFolder(tenantDir, day);
        List<Path> parts;
        try (Stream<Path> entries = Files.list(dir)) {
            parts = entries.filter(p -> p.getFileName().toString().endsWith(".parquet")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new TenantDataException(tenant, FOLDER + "/date=" + day, null, "cannot list the folder: " + e.getMessage(), e);
        }
        for (Path part : parts) {
            String name = tenantDir.relativize(part).toString();
            for (Record record : readFile(tenant, part, name)) {
                if (seen.add(record.event().eventId())) {
                    out.add(record);
                }
            }
        }
    }

    private static List<Record> readFile(TenantId tenant, Path part, String name) {
        List<Record> records = new ArrayList<>();
        try (ParquetReader<Group> reader = new GroupReader(new LocalInputFile(part)).build()) {
            long row = 0;
            for (Group g = reader.read(); g != null; g = reader.read(), row++) {
                if (row == 0) {
                    checkSchema(tenant, name, g.getType());
                }
                records.add(record(tenant, name, g, row));
            }
        } catch (TenantDataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TenantDataException(tenant, name, null, "is not a readable feedback Parquet file: " + e.getMessage(), e);
        }
        return records;
    }

    private static void checkSchema(TenantId tenant, String file, org.apache.parquet.schema.GroupType type) {
        for (Type expected : SCHEMA.getFields()) {
            if (!type.containsField(expected.getName())) {
                if (expected.isRepetition(Type.Repetition.REQUIRED)) {
                    throw new TenantDataException(tenant, file, expected.getName(), "is missing; feedback files need "
                            + SCHEMA.getFields().stream().map(Type::getName).toList());
                }
                continue;
            }
            Type actual = type.getType(expected.getName());
            PrimitiveTypeName want = expected.asPrimitiveType().getPrimitiveTypeName();
            if (!actual.isPrimitive() || actual.asPrimitiveType().getPrimitiveTypeName() != want) {
                throw new TenantDataException(tenant, file, expected.getName(), "has type " + actual
                        + "; expected " + want);
            }
        }
    }

    private static Record record(TenantId tenant, String file, Group g, long row) {
        String eventId = requiredString(tenant, file, g, EVENT_ID, row);
        String customer = requiredString(tenant, file, g, DataContract.CUSTOMER_ID, row);
        String product = requiredString(tenant, file, g, DataContract.PRODUCT_ID, row);
        String typeName = requiredString(tenant, file, g, TYPE, row);
        FeedbackEventType type = FeedbackEventType.ofWireName(typeName);
        if (type == null) {
            throw new TenantDataException(tenant, file, TYPE, "row " + row + " has type '" + typeName
                    + "'; expected impression, click, purchase or rating");
        }
        Double value = has(g, DataContract.VALUE) ? g.getDouble(DataContract.VALUE, 0) : null;
        if (value != null && !Double.isFinite(value)) {
            throw new TenantDataException(tenant, file, DataContract.VALUE, "row " + row + " is " + value
                    + "; values must be finite");
        }
        if (type == FeedbackEventType.RATING && value == null) {
            throw new TenantDataException(tenant, file, DataContract.VALUE, "row " + row + " is a rating without a value");
        }
        if (!has(g, DataContract.EVENT_TIME)) {
            throw new TenantDataException(tenant, file, DataContract.EVENT_TIME, "row " + row + " has no event time");
        }
        Instant time = micros(g.getLong(DataContract.EVENT_TIME, 0));
        String recommendationId = has(g, RECOMMENDATION_ID) ? g.getString(RECOMMENDATION_ID, 0) : null;
        Integer rank = has(g, RANK) ? g.getInteger(RANK, 0) : null;
        Instant received = has(g, RECEIVED_AT) ? micros(g.getLong(RECEIVED_AT, 0)) : time;
        return new Record(new FeedbackEvent(eventId, customer, product, type, value, time, recommendationId, rank),
                received, file);
    }

    private static boolean has(Group g, String field) {
        return g.getType().containsField(field) && g.getFieldRepetitionCount(field) > 0;
    }

    private static String requiredString(TenantId tenant, String file, Group g, String field, long row) {
        if (!has(g, field)) {
            throw new TenantDataException(tenant, file, field, "row " + row + " has no value; the column is required");
        }
        return g.getString(field, 0);
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static long toMicros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static void emit(Row row, RecordConsumer out) {
        FeedbackEvent e = row.event();
        string(out, 0, EVENT_ID, e.eventId());
        string(out, 1, DataContract.CUSTOMER_ID, e.customerId());
        string(out, 2, DataContract.PRODUCT_ID, e.productId());
        string(out, 3, TYPE, e.type().wireName());
        if (e.value() != null) {
            out.startField(DataContract.VALUE, 4);
            out.addDouble(e.value());
            out.endField(DataContract.VALUE, 4);
        }
        out.startField(DataContract.EVENT_TIME, 5);
        out.addLong(toMicros(e.time()));
        out.endField(DataContract.EVENT_TIME, 5);
        if (e.recommendationId() != null) {
            string(out, 6, RECOMMENDATION_ID, e.recommendationId());
        }
        if (e.rank() != null) {
            out.startField(RANK, 7);
            out.addInteger(e.rank());
            out.endField(RANK, 7);
        }
        out.startField(RECEIVED_AT, 8);
        out.addLong(toMicros(row.receivedAt()));
        out.endField(RECEIVED_AT, 8);
    }

    private static void string(RecordConsumer out, int index, String name, String value) {
        out.startField(name, index);
        out.addBinary(Binary.fromString(value));
        out.endField(name, index);
    }

    private static void syncFolder(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // some file systems cannot sync a folder; the file itself is synced
        }
    }

    /** Reads Parquet rows as example Groups without Hadoop's file system. */
    private static final class GroupReader extends ParquetReader.Builder<Group> {
        GroupReader(InputFile file) {
            super(file, new PlainParquetConfiguration());
        }

        @Override
        protected ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
        }
    }
}
