package io.nightbake.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Objects;

/**
 * One snapshot's lists in the serving format ({@link ServingFile}), read in place from a memory-mapped file (or heap
 * bytes): immutable and safe for any number of reader threads. Lookups allocate nothing: a customer is found by
 * hashing the query's characters and comparing them with the stored UTF-8 bytes; its list is a range of entries
 * read by index.
 */
public final class ServingSnapshot {

    private final Path source;
    private final ByteBuffer bytes;
    private final String tenantId;
    private final String snapshotId;
    private final Instant builtAt;
    private final LocalDate runDate;
    private final int modelVersion;
    private final int customers;
    private final int entries;
    private final int products;
    private final int slotCount;
    private final String[] armNames;
    private final int[] armModelVersions;
    private final ServingFile.Layout layout;
    /** Product ids decoded on first use, for readers that want strings (benign races: strings are immutable). */
    private volatile String[] productStrings;

    private ServingSnapshot(Path source, ByteBuffer bytes, String tenantId, String snapshotId, Instant builtAt,
                            LocalDate runDate, int modelVersion, int customers, int entries, int products, int slotCount,
                            String[] armNames, int[] armModelVersions, ServingFile.Layout layout) {
        this.source = source;
        this.bytes = bytes;
        this.tenantId = tenantId;
        this.snapshotId = snapshotId;
        this.builtAt = builtAt;
        this.runDate = runDate;
        this.modelVersion = modelVersion;
        this.customers = customers;
        this.entries = entries;
        this.products = products;
        this.slotCount = slotCount;
        this.armNames = armNames;
        this.armModelVersions = armModelVersions;
        this.layout = layout;
    }

    // ---------------------------------------------------------------- lookups

    /** The customer's ordinal, or -1 when the customer is not in the snapshot. Allocates nothing. */
    public int customerOrdinal(CharSequence customerId) {
        long hashAndLength = Utf8Hash.hash(customerId);
        int length = (int) (hashAndLength >>> 32);
        int slot = ServingFile.home((int) hashAndLength, slotCount);
        int slots = layout.slots;
        int idStart = layout.idStart;
        int idBytes = layout.idBytes;
        while (true) {
            int c = bytes.getInt(slots + 4 * slot);
            if (c == ServingFile.EMPTY_SLOT) {
                return -1;
            }
            int from = bytes.getInt(idStart + 4 * c);
            if (bytes.getInt(idStart + 4 * c + 4) - from == length && Utf8Hash.matches(customerId, bytes, idBytes + from)) {
                return c;
            }
            if (++slot == slotCount) {
                slot = 0;
            }
        }
    }

    /** The first entry of customer {@code c}'s list. */
    public int listStart(int c) {
        return bytes.getInt(layout.listStart + 4 * c);
    }

    /** One past the last entry of customer {@code c}'s list. */
    public int listEnd(int c) {
        return bytes.getInt(layout.listStart + 4 * c + 4);
    }

    /** The arm ordinal of customer {@code c} (0 when the snapshot has one arm). */
    public int customerArm(int c) {
        return armNames.length == 1 ? 0 : bytes.get(layout.customerArm + c);
    }

    /** The product code of entry {@code e}. */
    public int productCode(int e) {
        return bytes.getInt(layout.productCode + 4 * e);
    }

    public float score(int e) {
        return bytes.getFloat(layout.score + 4 * e);
    }

    /** The id of product {@code code}, decoded once per snapshot and product, then shared. */
    public String productId(int code) {
        Objects.checkIndex(code, products);
        String[] strings = productStrings;
        if (strings == null) {
            strings = new String[products];
            productStrings = strings;
        }
        String id = strings[code];
        if (id == null) {
            int from = bytes.getInt(layout.productStart + 4 * code);
            int length = bytes.getInt(layout.productStart + 4 * code + 4) - from;
            byte[] utf8 = new byte[length];
            bytes.get(layout.productBytesAt + from, utf8);
            id = new String(utf8, StandardCharsets.UTF_8);
            strings[code] = id;
        }
        return id;
    }

    /** The UTF-8 length of product {@code code}'s id. */
    public int productIdLength(int code) {
        return bytes.getInt(layout.productStart + 4 * code + 4) - bytes.getInt(layout.productStart + 4 * code);
    }

    /** Copies product {@code code}'s UTF-8 id into {@code target} at {@code offset}; returns its length. */
    public int copyProductId(int code, byte[] target, int offset) {
        int from = bytes.getInt(layout.productStart + 4 * code);
        int length = bytes.getInt(layout.productStart + 4 * code + 4) - from;
        bytes.get(layout.productBytesAt + from, target, offset, length);
        return length;
    }

    /** The id of customer {@code c} (allocates; for tools and examples). */
    public String customerIdAt(int c) {
        Objects.checkIndex(c, customers);
        int from = bytes.getInt(layout.idStart + 4 * c);
        byte[] utf8 = new byte[bytes.getInt(layout.idStart + 4 * c + 4) - from];
        bytes.get(layout.idBytes + from, utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- metadata

    public String tenantId() {
        return tenantId;
    }

    public String snapshotId() {
        return snapshotId;
    }

    public Instant builtAt() {
        return builtAt;
    }

    public LocalDate runDate() {
        return runDate;
    }

    /** The snapshot's model version (the champion arm's). */
    public int modelVersion() {
        return modelVersion;
    }

    public int customerCount() {
        return customers;
    }

    public int entryCount() {
        return entries;
    }

    public int productCount() {
        return products;
    }

    public int armCount() {
        return armNames.length;
    }

    public String armName(int arm) {
        return armNames[arm];
    }

    public int armModelVersion(int arm) {
        return armModelVersions[arm];
    }

    /** The arm's ordinal, or -1. */
    public int armOrdinal(String name) {
        for (int a = 0; a < armNames.length; a++) {
            if (armNames[a].equals(name)) {
                return a;
            }
        }
        return -1;
    }

    /** The size of the serving bytes (the file). */
    public long byteSize() {
        return bytes.capacity();
    }

    /** Whether the bytes are memory-mapped from a file (rather than held on the heap). */
    public boolean isMapped() {
        return bytes.isDirect();
    }

    /** The file (or, for heap bytes, the name) these bytes came from. */
    public Path source() {
        return source;
    }

    /** The serving bytes, read-only, for writing them to a file. */
    public ByteBuffer bytes() {
        return bytes.asReadOnlyBuffer();
    }

    @Override
    public String toString() {
        return "ServingSnapshot[tenant=" + tenantId + ", snapshot=" + snapshotId + ", modelVersion=" + modelVersion
                + ", runDate=" + runDate + ", customers=" + customers + ", entries=" + entries + ", products="
                + products + ", arms=" + Arrays.toString(armNames) + ", bytes=" + byteSize() + "]";
    }

    // ---------------------------------------------------------------- validation

    static ServingSnapshot validate(Path file, ByteBuffer b) {
        long size = b.capacity();
        if (size < ServingFile.HEADER_BYTES) {
            throw new ServingFileException(file, "is " + size + " bytes, shorter than its header (truncated)");
        }
        byte[] magic = new byte[ServingFile.MAGIC.length];
        b.get(0, magic);
        if (!Arrays.equals(magic, ServingFile.MAGIC)) {
            throw new ServingFileException(file, "is not a Nightbake serving file (wrong magic bytes)");
        }
        int version = b.getInt(8);
        if (version != ServingFile.FORMAT_VERSION) {
            throw new ServingFileException(file, "has format version " + version + "; this reader reads version "
                    + ServingFile.FORMAT_VERSION + " (rebuild it from the snapshot's Parquet)");
        }
        if (b.getInt(12) != ServingFile.HEADER_BYTES) {
            throw new ServingFileException(file, "has a header of " + b.getInt(12) + " bytes, not "
                    + ServingFile.HEADER_BYTES);
        }
        long declared = b.getLong(16);
        if (declared != size) {
            throw new ServingFileException(file, "is " + size + " bytes but its header says " + declared
                    + (size < declared ? " (truncated)" : " (extra bytes)"));
        }
        if (ServingFile.checksum(b) != b.getLong(24)) {
            throw new ServingFileException(file, "fails its checksum (damaged)");
        }
        int customers = nonNegative(file, b, 32, "customer count");
        int entries = nonNegative(file, b, 36, "entry count");
        int products = nonNegative(file, b, 40, "product count");
        int slots = nonNegative(file, b, 44, "slot count");
        int arms = nonNegative(file, b, 48, "arm count");
        int metaLength = nonNegative(file, b, 72, "meta length");
        int idLength = nonNegative(file, b, 76, "customer id length");
        int productLength = nonNegative(file, b, 80, "product id length");
        if (arms < 1 || arms > ServingFile.MAX_ARMS) {
            throw new ServingFileException(file, "declares " + arms + " arms; a snapshot has 1 to " + ServingFile.MAX_ARMS);
        }
        if (slots <= customers) {
            throw new ServingFileException(file, "has " + slots + " hash slots for " + customers + " customers");
        }
        ServingFile.Layout layout = new ServingFile.Layout(metaLength, slots, customers, entries, products, arms,
                idLength, productLength);
        if (layout.fileLength != size) {
            throw new ServingFileException(file, "is " + size + " bytes but its counts need " + layout.fileLength);
        }
        // meta: tenant, snapshot, arms
        int[] at = {layout.meta};
        int metaEnd = layout.meta + metaLength;
        String tenant = shortString(file, b, at, metaEnd);
        String snapshot = shortString(file, b, at, metaEnd);
        String[] armNames = new String[arms];
        int[] armVersions = new int[arms];
        for (int a = 0; a < arms; a++) {
            armNames[a] = shortString(file, b, at, metaEnd);
            if (at[0] + 4 > metaEnd) {
                throw new ServingFileException(file, "has a truncated arm table");
            }
            armVersions[a] = b.getInt(at[0]);
            at[0] += 4;
            if (!ServingFile.ARM_NAME.matcher(armNames[a]).matches()) {
                throw new ServingFileException(file, "names an invalid arm '" + armNames[a] + "'");
            }
        }
        // offsets and codes: every read a lookup makes stays inside its section
        checkOffsets(file, b, layout.idStart, customers, idLength, "customer id offsets");
        checkOffsets(file, b, layout.listStart, customers, entries, "list offsets");
        checkOffsets(file, b, layout.productStart, products, productLength, "product id offsets");
        int used = 0;
        for (int s = 0; s < slots; s++) {
            int c = b.getInt(layout.slots + 4 * s);
            if (c != ServingFile.EMPTY_SLOT) {
                if (c < 0 || c >= customers) {
                    throw new ServingFileException(file, "has hash slot " + s + " naming customer " + c + " of " + customers);
                }
                used++;
            }
        }
        if (used != customers) {
            throw new ServingFileException(file, "has " + used + " used hash slots for " + customers + " customers");
        }
        for (int e = 0; e < entries; e++) {
            int code = b.getInt(layout.productCode + 4 * e);
            if (code < 0 || code >= products) {
                throw new ServingFileException(file, "has entry " + e + " naming product " + code + " of " + products);
            }
        }
        if (arms > 1) {
            for (int c = 0; c < customers; c++) {
                int arm = b.get(layout.customerArm + c);
                if (arm < 0 || arm >= arms) {
                    throw new ServingFileException(file, "puts customer " + c + " in arm " + arm + " of " + arms);
                }
            }
        }
        Instant builtAt = Instant.ofEpochSecond(b.getLong(64), Math.max(0, Math.min(999_999_999, b.getInt(60))));
        return new ServingSnapshot(file, b, tenant, snapshot, builtAt, LocalDate.ofEpochDay(b.getInt(52)),
                b.getInt(56), customers, entries, products, slots, armNames, armVersions, layout);
    }

    private static int nonNegative(Path file, ByteBuffer b, int at, String what) {
        int value = b.getInt(at);
        if (value < 0) {
            throw new ServingFileException(file, "has a negative " + what + " (" + value + ")");
        }
        return value;
    }

    private static void checkOffsets(Path file, ByteBuffer b, int at, int count, int end, String what) {
        int previous = 0;
        if (b.getInt(at) != 0) {
            throw new ServingFileException(file, "has " + what + " that do not start at 0");
        }
        for (int i = 1; i <= count; i++) {
            int next = b.getInt(at + 4 * i);
            if (next < previous) {
                throw new ServingFileException(file, "has " + what + " that go backwards at " + i);
            }
            previous = next;
        }
        if (previous != end) {
            throw new ServingFileException(file, "has " + what + " that end at " + previous + ", not " + end);
        }
    }

    private static String shortString(Path file, ByteBuffer b, int[] at, int end) {
        if (at[0] + 2 > end) {
            throw new ServingFileException(file, "has a truncated meta section");
        }
        int length = b.getShort(at[0]) & 0xFFFF;
        at[0] += 2;
        if (at[0] + length > end) {
            throw new ServingFileException(file, "has a truncated meta section");
        }
        byte[] utf8 = new byte[length];
        b.get(at[0], utf8);
        at[0] += length;
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
