package io.nightbake.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The serving file of one snapshot, {@value #FILE_NAME}, written next to its Parquet lists at publish: a form a server
 * memory-maps and answers from at once, without parsing. Little-endian, every section 8-byte aligned:
 * <pre>
 * header (128 bytes)
 *   0  magic "NBINDEX\n"          8  format version (int)       12 header length (int, 128)
 *   16 file length (long)          24 CRC32C of the whole file but these 8 bytes (long)
 *   32 customers  36 entries  40 products  44 hash slots  48 arms  52 run date (epoch day)
 *   56 snapshot model version     60 built-at nanos  64 built-at epoch seconds (long)
 *   72 meta bytes  76 customer id bytes  80 product id bytes  (ints; 84..127 zero)
 * meta          tenant, snapshot id, then per arm its name and model version (u16-length-prefixed UTF-8, int)
 * slots         int[slots]: open-addressing table of customer ordinals (linear probing), -1 where free
 * idStart       int[customers + 1]: customer c's UTF-8 id is idBytes[idStart[c], idStart[c+1])
 * listStart     int[customers + 1]: customer c's list is entries [listStart[c], listStart[c+1]), best first
 * productCode   int[entries]
 * score         float[entries]
 * productStart  int[products + 1]: product p's UTF-8 id is productBytes[productStart[p], productStart[p+1])
 * customerArm   byte[customers] (only when there are 2 or more arms): the arm ordinal of each customer
 * idBytes, productBytes
 * </pre>
 * {@link #open} checks the magic, version, lengths, checksum and every offset and code, so a damaged or truncated
 * file is refused with a {@link ServingFileException} instead of answering wrong lists.
 */
public final class ServingFile {

    public static final String FILE_NAME = "recommendations.nbindex";
    public static final int FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 128;
    static final byte[] MAGIC = "NBINDEX\n".getBytes(StandardCharsets.US_ASCII);
    static final int EMPTY_SLOT = -1;
    /** The characters an arm name may have (they end up in recommendation ids). */
    public static final Pattern ARM_NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    public static final int MAX_ARMS = 127;

    private ServingFile() {
    }

    /** The serving file that belongs to the snapshot whose Parquet lists are {@code parquetFile}. */
    public static Path beside(Path parquetFile) {
        return parquetFile.resolveSibling(FILE_NAME);
    }

    // ---------------------------------------------------------------- reading

    /**
     * Maps and validates a serving file. Throws {@link ServingFileException} naming the file when it is missing,
     * unreadable, of another format version, truncated, fails its checksum, or holds inconsistent offsets.
     */
    public static ServingSnapshot open(Path file) {
        Objects.requireNonNull(file, "file");
        MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HEADER_BYTES) {
                throw new ServingFileException(file, "is " + size + " bytes, shorter than its " + HEADER_BYTES
                        + "-byte header (truncated)");
            }
            if (size > Integer.MAX_VALUE) {
                throw new ServingFileException(file, "is " + size + " bytes; one serving file holds at most 2 GB");
            }
            // the mapping stays valid after the channel is closed
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (NoSuchFileException e) {
            throw new ServingFileException(file, "does not exist", e);
        } catch (IOException e) {
            throw new ServingFileException(file, "cannot be read: " + e.getMessage(), e);
        }
        return ServingSnapshot.validate(file, mapped.order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Validates serving-file bytes held on the heap ({@code source} names them in messages). */
    public static ServingSnapshot wrap(Path source, ByteBuffer bytes) {
        return ServingSnapshot.validate(source, bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN));
    }

    // ---------------------------------------------------------------- writing

    /** One snapshot's lists in arrays, as {@link #encode} takes them; the arrays are read, never kept. */
    public record Content(String tenantId, String snapshotId, Instant builtAt, LocalDate runDate, int modelVersion,
                          String[] armNames, int[] armModelVersions, int customers, byte[] idBytes, int[] idStart,
                          int[] listStart, byte[] customerArm, int entries, int[] productCode, float[] score,
                          String[] products) {
        public Content {
            Objects.requireNonNull(tenantId, "tenantId");
            Objects.requireNonNull(snapshotId, "snapshotId");
            Objects.requireNonNull(builtAt, "builtAt");
            Objects.requireNonNull(runDate, "runDate");
            if (armNames.length == 0 || armNames.length > MAX_ARMS || armNames.length != armModelVersions.length) {
                throw new IllegalArgumentException("a snapshot has 1 to " + MAX_ARMS + " arms, each with a model "
                        + "version; got " + armNames.length + " names and " + armModelVersions.length + " versions");
            }
            for (String arm : armNames) {
                if (!ARM_NAME.matcher(arm).matches()) {
                    throw new IllegalArgumentException("arm name '" + arm + "' must match " + ARM_NAME);
                }
            }
            if (armNames.length > 1 && (customerArm == null || customerArm.length < customers)) {
                throw new IllegalArgumentException("a snapshot with " + armNames.length + " arms needs the arm of "
                        + "each of its " + customers + " customers");
            }
        }
    }

    /** Encodes {@code content} in the serving format, on the heap (hashes the customer ids). */
    public static ByteBuffer encode(Content content) {
        int customers = content.customers();
        int entries = content.entries();
        int products = content.products().length;
        int arms = content.armNames().length;
        int idLength = content.idStart()[customers];
        byte[][] productIds = new byte[products][];
        long productLength = 0;
        for (int p = 0; p < products; p++) {
            productIds[p] = content.products()[p].getBytes(StandardCharsets.UTF_8);
            productLength += productIds[p].length;
        }
        ByteBuffer meta = ByteBuffer.allocate(metaCapacity(content)).order(ByteOrder.LITTLE_ENDIAN);
        putShortString(meta, content.tenantId());
        putShortString(meta, content.snapshotId());
        for (int a = 0; a < arms; a++) {
            putShortString(meta, content.armNames()[a]);
            meta.putInt(content.armModelVersions()[a]);
        }
        int metaLength = meta.position();
        int slots = tableSize(customers);
        Layout layout = new Layout(metaLength, slots, customers, entries, products, arms, idLength,
                Math.toIntExact(productLength));
        if (layout.fileLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the serving file of snapshot " + content.snapshotId() + " would be "
                    + layout.fileLength + " bytes; one file holds at most 2 GB");
        }
        ByteBuffer out = ByteBuffer.allocate((int) layout.fileLength).order(ByteOrder.LITTLE_ENDIAN);
        out.put(0, MAGIC);
        out.putInt(8, FORMAT_VERSION);
        out.putInt(12, HEADER_BYTES);
        out.putLong(16, layout.fileLength);
        out.putInt(32, customers);
        out.putInt(36, entries);
        out.putInt(40, products);
        out.putInt(44, slots);
        out.putInt(48, arms);
        out.putInt(52, Math.toIntExact(content.runDate().toEpochDay()));
        out.putInt(56, content.modelVersion());
        out.putInt(60, content.builtAt().getNano());
        out.putLong(64, content.builtAt().getEpochSecond());
        out.putInt(72, metaLength);
        out.putInt(76, idLength);
        out.putInt(80, layout.productBytes);
        out.put(layout.meta, meta.array(), 0, metaLength);

        byte[] ids = content.idBytes();
        int[] idStart = content.idStart();
        int[] table = new int[slots];
        Arrays.fill(table, EMPTY_SLOT);
        for (int c = 0; c < customers; c++) {
            int from = idStart[c];
            int length = idStart[c + 1] - from;
            int slot = home(Utf8Hash.hash(ids, from, length), slots);
            while (table[slot] != EMPTY_SLOT) {
                int other = table[slot];
                int otherFrom = idStart[other];
                if (idStart[other + 1] - otherFrom == length
                        && Arrays.equals(ids, from, from + length, ids, otherFrom, otherFrom + length)) {
                    throw new DuplicateCustomerException(new String(ids, from, length, StandardCharsets.UTF_8));
                }
                if (++slot == slots) {
                    slot = 0;
                }
            }
            table[slot] = c;
        }
        putInts(out, layout.slots, table, slots);
        putInts(out, layout.idStart, idStart, customers + 1);
        putInts(out, layout.listStart, content.listStart(), customers + 1);
        putInts(out, layout.productCode, content.productCode(), entries);
        for (int e = 0, at = layout.score; e < entries; e++, at += 4) {
            out.putFloat(at, content.score()[e]);
        }
        int offset = 0;
        for (int p = 0; p < products; p++) {
            out.putInt(layout.productStart + 4 * p, offset);
            out.put(layout.productBytesAt + offset, productIds[p]);
            offset += productIds[p].length;
        }
        out.putInt(layout.productStart + 4 * products, offset);
        if (arms > 1) {
            out.put(layout.customerArm, content.customerArm(), 0, customers);
        }
        out.put(layout.idBytes, ids, 0, idLength);
        out.putLong(24, checksum(out));
        return out;
    }

    /** Thrown by {@link #encode} when a customer id appears twice. */
    public static final class DuplicateCustomerException extends IllegalArgumentException {
        private final String customerId;

        DuplicateCustomerException(String customerId) {
            super("customer '" + customerId + "' appears twice");
            this.customerId = customerId;
        }

        public String customerId() {
            return customerId;
        }
    }

    /**
     * Writes encoded bytes to {@code target} through a hidden temporary file moved into place, so a reader sees no
     * file or the complete one, never a partial file.
     */
    public static void write(ByteBuffer encoded, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".writing");
        try {
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = encoded.duplicate().position(0);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover hidden temp file is harmless
            }
            throw new UncheckedIOException("cannot write serving file " + target + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- layout

    /** Section offsets, computed from the counts alone (writer and reader agree by construction). */
    static final class Layout {
        final int meta;
        final int slots;
        final int idStart;
        final int listStart;
        final int productCode;
        final int score;
        final int productStart;
        final int customerArm;
        final int idBytes;
        final int productBytesAt;
        final int productBytes;
        final long fileLength;

        Layout(int metaLength, int slotCount, int customers, int entries, int products, int arms, int idLength,
               int productLength) {
            long at = HEADER_BYTES;
            meta = (int) at;
            at = align(at + metaLength);
            slots = (int) at;
            at = align(at + 4L * slotCount);
            idStart = (int) at;
            at = align(at + 4L * (customers + 1));
            listStart = (int) at;
            at = align(at + 4L * (customers + 1));
            productCode = (int) Math.min(at, Integer.MAX_VALUE);
            at = align(at + 4L * entries);
            score = (int) Math.min(at, Integer.MAX_VALUE);
            at = align(at + 4L * entries);
            productStart = (int) Math.min(at, Integer.MAX_VALUE);
            at = align(at + 4L * (products + 1));
            customerArm = (int) Math.min(at, Integer.MAX_VALUE);
            at = align(at + (arms > 1 ? customers : 0));
            idBytes = (int) Math.min(at, Integer.MAX_VALUE);
            at = align(at + idLength);
            productBytesAt = (int) Math.min(at, Integer.MAX_VALUE);
            productBytes = productLength;
            at = align(at + productLength);
            fileLength = at;
        }

        private static long align(long at) {
            return (at + 7) & ~7L;
        }
    }

    private static int metaCapacity(Content content) {
        int bytes = 4 + 3 * content.tenantId().length() + 3 * content.snapshotId().length();
        for (String arm : content.armNames()) {
            bytes += 6 + 3 * arm.length();
        }
        return bytes;
    }

    private static void putShortString(ByteBuffer out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("'" + value.substring(0, 40) + "...' is longer than 65535 bytes");
        }
        out.putShort((short) bytes.length);
        out.put(bytes);
    }

    private static void putInts(ByteBuffer out, int at, int[] values, int count) {
        out.slice(at, 4 * count).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(values, 0, count);
    }

    /** CRC32C of the whole file except the 8 bytes that hold it (header included: reserved bytes too). */
    static long checksum(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.slice(0, 24));
        crc.update(bytes.slice(32, bytes.capacity() - 32));
        return crc.getValue();
    }

    /** Slots for {@code n} keys at a load factor of at most 2/3 (at least one free slot). */
    static int tableSize(int n) {
        long size = (long) n + (n >> 1) + 1;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many customers: " + n);
        }
        return (int) size;
    }

    /** Maps a hash onto {@code [0, size)} without a division (multiply-shift). */
    static int home(int hash, int size) {
        return (int) (((hash & 0xFFFFFFFFL) * size) >>> 32);
    }
}
