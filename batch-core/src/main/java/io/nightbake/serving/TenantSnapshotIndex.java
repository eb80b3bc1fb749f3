package io.nightbake.serving;

import io.nightbake.scoring.RecommendationsFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One tenant's published snapshot in memory, immutable, for daytime lookups.
 *
 * <p>Memory-lean, with no object per customer or per entry:
 * <ul>
 *   <li>customer ids: their UTF-8 bytes back to back in one {@code byte[]} with {@code int[]} offsets, found through
 *       an open-addressing hash table ({@code int[]} of customer ordinals, linear probing, load factor 2/3) that
 *       is probed straight from the query {@link String} (no encoding buffer, no allocation);</li>
 *   <li>product ids: a dictionary {@code String[]}; the lists hold dictionary codes;</li>
 *   <li>lists in CSR form: customer {@code c}'s ranked entries are {@code [customerStart[c], customerStart[c+1])} of
 *       {@code productCode} ({@code int[]}) and {@code score} ({@code float[]}).</li>
 * </ul>
 * About 8 bytes per (customer, rank) entry plus about 23 bytes per customer for ids of 9 ASCII characters: 9.3 bytes
 * per entry for 200,000 customers x 20 ranks (see {@code ServingIndexBenchmark}).
 *
 * <p>All fields are final and never written after construction, so an index handed over through a
 * {@link java.util.concurrent.ConcurrentHashMap} (see {@link RecommendationIndex}) is safely shared by any number
 * of reader threads.
 */
public final class TenantSnapshotIndex {

    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;
    private static final int EMPTY_SLOT = -1;

    private final String tenantId;
    private final String snapshotId;
    private final int modelVersion;
    private final LocalDate runDate;
    private final Instant builtAt;

    /** UTF-8 bytes of customer {@code c}'s id are {@code [idStart[c], idStart[c+1])} of {@code idBytes}. */
    private final byte[] idBytes;
    private final int[] idStart;
    /** Open-addressing table of customer ordinals, {@link #EMPTY_SLOT} where free. */
    private final int[] slots;
    private final int[] customerStart;
    private final int[] productCode;
    private final float[] score;
    private final String[] products;

    private TenantSnapshotIndex(String tenantId, String snapshotId, int modelVersion, LocalDate runDate,
                                Instant builtAt, byte[] idBytes, int[] idStart, int[] slots, int[] customerStart,
                                int[] productCode, float[] score, String[] products) {
        this.tenantId = tenantId;
        this.snapshotId = snapshotId;
        this.modelVersion = modelVersion;
        this.runDate = runDate;
        this.builtAt = builtAt;
        this.idBytes = idBytes;
        this.idStart = idStart;
        this.slots = slots;
        this.customerStart = customerStart;
        this.productCode = productCode;
        this.score = score;
        this.products = products;
    }

    /**
     * Loads and validates a published snapshot file ({@link RecommendationsFile}). Throws {@link SnapshotLoadException}
     * naming the file (and column) when it is missing, unreadable, holds rows of more than one tenant, model
     * version or run date, lacks a column, or breaks the ordering or marker rules.
     */
    public static TenantSnapshotIndex load(Path parquetFile, String snapshotId, Instant builtAt) {
        return SnapshotParquetLoader.load(parquetFile, snapshotId, builtAt);
    }

    /** Builds an index in memory (tests, tools): customers in order, each followed by its ranked products. */
    public static Builder builder(String tenantId, String snapshotId) {
        return new Builder(tenantId, snapshotId);
    }

    // ---------------------------------------------------------------- lookups

    /**
     * The ranked list of a customer, best first, cut to {@code limit} entries. Returns
     * {@link Lookup#UNKNOWN_CUSTOMER} for a customer not in the snapshot and an empty lookup ({@link Lookup#EMPTY})
     * for a customer whose list is empty (the marker row). Allocates at most one small view object; product ids
     * are the dictionary's shared strings.
     */
    public Lookup lookup(String customerId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 or more, not " + limit);
        }
        int c = customerOrdinal(customerId);
        if (c < 0) {
            return Lookup.UNKNOWN_CUSTOMER;
        }
        int start = customerStart[c];
        int size = Math.min(customerStart[c + 1] - start, limit);
        return size == 0 ? Lookup.EMPTY : new Lookup(this, start, size);
    }

    /** Whether the customer is in the snapshot (with a list, possibly empty). */
    public boolean containsCustomer(String customerId) {
        return customerOrdinal(customerId) >= 0;
    }

    /** The customer's position in the snapshot (file order), or -1. */
    int customerOrdinal(String customerId) {
        Objects.requireNonNull(customerId, "customerId");
        long hashAndLength = hashUtf8(customerId);
        int hash = (int) hashAndLength;
        int length = (int) (hashAndLength >>> 32);
        int slot = home(hash, slots.length);
        while (true) {
            int c = slots[slot];
            if (c == EMPTY_SLOT) {
                return -1;
            }
            int from = idStart[c];
            if (idStart[c + 1] - from == length && matchesUtf8(customerId, idBytes, from)) {
                return c;
            }
            if (++slot == slots.length) {
                slot = 0;
            }
        }
    }

    /**
     * A customer of the snapshot, for examples and smoke tests: the first (in file order) whose list is not empty,
     * else the first; null when the snapshot has no customers.
     */
    public String anyCustomerId() {
        int customers = customerCount();
        for (int c = 0; c < customers; c++) {
            if (customerStart[c + 1] > customerStart[c]) {
                return customerIdAt(c);
            }
        }
        return customers == 0 ? null : customerIdAt(0);
    }

    /** The id of the customer at {@code ordinal} (file order). */
    public String customerIdAt(int ordinal) {
        Objects.checkIndex(ordinal, customerCount());
        return new String(idBytes, idStart[ordinal], idStart[ordinal + 1] - idStart[ordinal], StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- metadata

    public String tenantId() {
        return tenantId;
    }

    public String snapshotId() {
        return snapshotId;
    }

    public int modelVersion() {
        return modelVersion;
    }

    public LocalDate runDate() {
        return runDate;
    }

    public Instant builtAt() {
        return builtAt;
    }

    /** Customers in the snapshot, including those with an empty list. */
    public int customerCount() {
        return customerStart.length - 1;
    }

    /** (customer, rank) entries; marker rows of empty lists are not entries. */
    public int entryCount() {
        return productCode.length;
    }

    /** Distinct products in the lists. */
    public int productCount() {
        return products.length;
    }

    /**
     * The heap this index holds, computed from its arrays and dictionary strings for a 64-bit JVM with compressed
     * oops (16-byte array headers, 24-byte {@code String}s, compact Latin-1 strings, 8-byte alignment). The
     * metadata strings and the object itself are not counted.
     */
    public long estimatedHeapBytes() {
        long bytes = arrayBytes(idBytes.length, 1) + arrayBytes(idStart.length, 4) + arrayBytes(slots.length, 4)
                + arrayBytes(customerStart.length, 4) + arrayBytes(productCode.length, 4)
                + arrayBytes(score.length, 4) + arrayBytes(products.length, 4);
        for (String product : products) {
            boolean latin1 = product.chars().allMatch(ch -> ch < 0x100);
            bytes += 24 + arrayBytes(product.length(), latin1 ? 1 : 2);
        }
        return bytes;
    }

    private static long arrayBytes(long length, int elementBytes) {
        return (16 + length * elementBytes + 7) & ~7L;
    }

    @Override
    public String toString() {
        return "TenantSnapshotIndex[tenant=" + tenantId + ", snapshot=" + snapshotId + ", modelVersion=" + modelVersion
                + ", runDate=" + runDate + ", customers=" + customerCount() + ", entries=" + entryCount()
                + ", products=" + productCount() + ", builtAt=" + builtAt + "]";
    }

    // ---------------------------------------------------------------- result view

    /** One product of a list and its score. */
    public record Recommendation(String productId, float score) {
    }

    /**
     * The answer to one lookup: {@link #UNKNOWN_CUSTOMER}, or the customer's list (possibly {@link #EMPTY}). A view
     * on the index's arrays: reading it allocates nothing.
     */
    public static final class Lookup {
        /** The customer is not in the snapshot. */
        public static final Lookup UNKNOWN_CUSTOMER = new Lookup(null, 0, 0);
        /** The customer is in the snapshot with nothing to recommend (or the limit was 0). */
        public static final Lookup EMPTY = new Lookup(null, 0, 0);

        private final TenantSnapshotIndex index;
        private final int start;
        private final int size;

        private Lookup(TenantSnapshotIndex index, int start, int size) {
            this.index = index;
            this.start = start;
            this.size = size;
        }

        public boolean isUnknownCustomer() {
            return this == UNKNOWN_CUSTOMER;
        }

        /** True for an empty list and for an unknown customer: check {@link #isUnknownCustomer()} first. */
        public boolean isEmpty() {
            return size == 0;
        }

        public int size() {
            return size;
        }

        /** The product at position {@code i} (0 is the best; its rank is {@code i + 1}). */
        public String productId(int i) {
            Objects.checkIndex(i, size);
            return index.products[index.productCode[start + i]];
        }

        public float score(int i) {
            Objects.checkIndex(i, size);
            return index.score[start + i];
        }

        /** The entries as a list (allocates; the accessors above do not). */
        public List<Recommendation> toList() {
            List<Recommendation> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(new Recommendation(productId(i), score(i)));
            }
            return list;
        }

        @Override
        public String toString() {
            return isUnknownCustomer() ? "Lookup[UNKNOWN_CUSTOMER]" : "Lookup" + toList();
        }
    }

    // ---------------------------------------------------------------- building

    /**
     * Builds an index in memory: call {@link #customer} for each customer, then {@link #recommend} for its products
     * best first; a customer without {@code recommend} calls has an empty list.
     */
    public static final class Builder {
        private final String tenantId;
        private final String snapshotId;
        private int modelVersion = 1;
        private LocalDate runDate = LocalDate.EPOCH;
        private Instant builtAt = Instant.EPOCH;
        private final Assembler assembler = new Assembler(16);
        private final Map<String, Integer> productCodes = new HashMap<>();
        private final List<String> products = new ArrayList<>();
        private boolean built;

        private Builder(String tenantId, String snapshotId) {
            this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
            this.snapshotId = Objects.requireNonNull(snapshotId, "snapshotId");
        }

        public Builder modelVersion(int modelVersion) {
            this.modelVersion = modelVersion;
            return this;
        }

        public Builder runDate(LocalDate runDate) {
            this.runDate = Objects.requireNonNull(runDate, "runDate");
            return this;
        }

        public Builder builtAt(Instant builtAt) {
            this.builtAt = Objects.requireNonNull(builtAt, "builtAt");
            return this;
        }

        /** Starts the next customer's list (empty until {@link #recommend} is called). */
        public Builder customer(String customerId) {
            Objects.requireNonNull(customerId, "customerId");
            requireNotBuilt();
            assembler.startCustomer(customerId.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** Appends a product to the current customer's list (best first). */
        public Builder recommend(String productId, double score) {
            Objects.requireNonNull(productId, "productId");
            requireNotBuilt();
            if (assembler.customers == 0) {
                throw new IllegalStateException("call customer(id) before recommend(" + productId + ", " + score + ")");
            }
            Integer code = productCodes.get(productId);
            if (code == null) {
                code = products.size();
                products.add(productId);
                productCodes.put(productId, code);
            }
            assembler.add(code, (float) score);
            return this;
        }

        /** The index; throws {@link IllegalArgumentException} when a customer was added twice. */
        public TenantSnapshotIndex build() {
            requireNotBuilt();
            built = true;
            return assembler.build(tenantId, snapshotId, modelVersion, runDate, builtAt,
                    products.toArray(String[]::new), duplicate -> new IllegalArgumentException(
                            "customer '" + duplicate + "' was added twice to the index of tenant '" + tenantId + "'"));
        }

        private void requireNotBuilt() {
            if (built) {
                throw new IllegalStateException("this builder already built its index; start a new one");
            }
        }
    }

    /** Growable arrays that the builder and the Parquet loader fill, customer by customer. */
    static final class Assembler {
        private byte[] idBytes = new byte[256];
        private int idLength;
        private int[] idStart = new int[64];
        private int[] customerStart = new int[64];
        private int customers;
        private int[] productCode;
        private float[] score;
        private int entries;

        Assembler(int expectedEntries) {
            productCode = new int[Math.max(expectedEntries, 1)];
            score = new float[productCode.length];
        }

        int customers() {
            return customers;
        }

        int entries() {
            return entries;
        }

        /** Starts the next customer, whose id is the UTF-8 bytes {@code id}. */
        void startCustomer(byte[] id) {
            if (customers + 2 > idStart.length) {
                int grown = Math.max(customers + 2, idStart.length + (idStart.length >> 1));
                idStart = Arrays.copyOf(idStart, grown);
                customerStart = Arrays.copyOf(customerStart, grown);
            }
            int length = id.length;
            if (idLength + length > idBytes.length) {
                long grown = Math.max((long) idLength + length, (long) idBytes.length + (idBytes.length >> 1));
                if (grown > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("customer ids exceed 2 GB");
                }
                idBytes = Arrays.copyOf(idBytes, (int) grown);
            }
            System.arraycopy(id, 0, idBytes, idLength, length);
            customerStart[customers] = entries;
            idStart[customers] = idLength;
            idLength += length;
            customers++;
            idStart[customers] = idLength;
        }

        /** The id of the customer being filled (for error messages). */
        String currentCustomerId() {
            int from = idStart[customers - 1];
            return new String(idBytes, from, idLength - from, StandardCharsets.UTF_8);
        }

        void add(int code, float value) {
            if (entries == productCode.length) {
                long grown = (long) entries + Math.max(entries >> 1, 16);
                if (grown > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("more than " + (Integer.MAX_VALUE - 8) + " entries");
                }
                productCode = Arrays.copyOf(productCode, (int) grown);
                score = Arrays.copyOf(score, (int) grown);
            }
            productCode[entries] = code;
            score[entries] = value;
            entries++;
        }

        /**
         * Trims the arrays, hashes the customer ids and returns the index; a customer id seen twice becomes the
         * exception {@code onDuplicate} makes of it.
         */
        TenantSnapshotIndex build(String tenantId, String snapshotId, int modelVersion, LocalDate runDate,
                                  Instant builtAt, String[] products, Function<String, RuntimeException> onDuplicate) {
            customerStart[customers] = entries;
            int[] starts = trim(customerStart, customers + 1);
            int[] ids = trim(idStart, customers + 1);
            byte[] bytes = idLength == idBytes.length ? idBytes : Arrays.copyOf(idBytes, idLength);
            int[] slots = new int[tableSize(customers)];
            Arrays.fill(slots, EMPTY_SLOT);
            for (int c = 0; c < customers; c++) {
                int from = ids[c];
                int length = ids[c + 1] - from;
                int slot = home(hashBytes(bytes, from, length), slots.length);
                while (slots[slot] != EMPTY_SLOT) {
                    int other = slots[slot];
                    int otherFrom = ids[other];
                    if (ids[other + 1] - otherFrom == length
                            && Arrays.equals(bytes, from, from + length, bytes, otherFrom, otherFrom + length)) {
                        throw onDuplicate.apply(new String(bytes, from, length, StandardCharsets.UTF_8));
                    }
                    if (++slot == slots.length) {
                        slot = 0;
                    }
                }
                slots[slot] = c;
            }
            TenantSnapshotIndex index = new TenantSnapshotIndex(tenantId, snapshotId, modelVersion, runDate, builtAt,
                    bytes, ids, slots, starts, trim(productCode, entries), trim(score, entries), products);
            // release the growable buffers: the assembler may outlive the build in a caller's frame
            idBytes = null;
            productCode = null;
            score = null;
            return index;
        }

        private static int[] trim(int[] array, int length) {
            return array.length == length ? array : Arrays.copyOf(array, length);
        }

        private static float[] trim(float[] array, int length) {
            return array.length == length ? array : Arrays.copyOf(array, length);
        }
    }

    // ---------------------------------------------------------------- hashing customer ids

    /** Slots for {@code n} keys at a load factor of at most 2/3 (at least one free slot). */
    private static int tableSize(int n) {
        long size = (long) n + (n >> 1) + 1;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too many customers: " + n);
        }
        return (int) size;
    }

    /** Maps a hash onto {@code [0, size)} without a division (multiply-shift). */
    private static int home(int hash, int size) {
        return (int) (((hash & 0xFFFFFFFFL) * size) >>> 32);
    }

    private static int hashBytes(byte[] bytes, int from, int length) {
        int h = FNV_OFFSET;
        for (int i = from, end = from + length; i < end; i++) {
            h = (h ^ (bytes[i] & 0xFF)) * FNV_PRIME;
        }
        return finish(h);
    }

    /**
     * The hash of {@code s}'s UTF-8 encoding (as {@link String#getBytes} with UTF-8 makes it, an unpaired surrogate
     * becoming {@code '?'}) in the low 32 bits and the encoding's length in the high 32, without encoding it.
     */
    private static long hashUtf8(String s) {
        int h = FNV_OFFSET;
        int length = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                h = (h ^ ch) * FNV_PRIME;
                length++;
            } else if (ch < 0x800) {
                h = (h ^ (0xC0 | ch >> 6)) * FNV_PRIME;
                h = (h ^ (0x80 | ch & 0x3F)) * FNV_PRIME;
                length += 2;
            } else if (Character.isSurrogate(ch)) {
                if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(ch, s.charAt(++i));
                    h = (h ^ (0xF0 | cp >> 18)) * FNV_PRIME;
                    h = (h ^ (0x80 | cp >> 12 & 0x3F)) * FNV_PRIME;
                    h = (h ^ (0x80 | cp >> 6 & 0x3F)) * FNV_PRIME;
                    h = (h ^ (0x80 | cp & 0x3F)) * FNV_PRIME;
                    length += 4;
                } else {
                    h = (h ^ '?') * FNV_PRIME;
                    length++;
                }
            } else {
                h = (h ^ (0xE0 | ch >> 12)) * FNV_PRIME;
                h = (h ^ (0x80 | ch >> 6 & 0x3F)) * FNV_PRIME;
                h = (h ^ (0x80 | ch & 0x3F)) * FNV_PRIME;
                length += 3;
            }
        }
        return ((long) length << 32) | (finish(h) & 0xFFFFFFFFL);
    }

    /** Whether {@code s}'s UTF-8 encoding equals the bytes at {@code from} (the caller checked the length). */
    private static boolean matchesUtf8(String s, byte[] bytes, int from) {
        int p = from;
        for (int i = 0, n = s.length(); i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                if (bytes[p++] != (byte) ch) {
                    return false;
                }
            } else if (ch < 0x800) {
                if (bytes[p++] != (byte) (0xC0 | ch >> 6) || bytes[p++] != (byte) (0x80 | ch & 0x3F)) {
                    return false;
                }
            } else if (Character.isSurrogate(ch)) {
                if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(ch, s.charAt(++i));
                    if (bytes[p++] != (byte) (0xF0 | cp >> 18) || bytes[p++] != (byte) (0x80 | cp >> 12 & 0x3F)
                            || bytes[p++] != (byte) (0x80 | cp >> 6 & 0x3F) || bytes[p++] != (byte) (0x80 | cp & 0x3F)) {
                        return false;
                    }
                } else if (bytes[p++] != '?') {
                    return false;
                }
            } else {
                if (bytes[p++] != (byte) (0xE0 | ch >> 12) || bytes[p++] != (byte) (0x80 | ch >> 6 & 0x3F)
                        || bytes[p++] != (byte) (0x80 | ch & 0x3F)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Murmur3's finalizer: spreads FNV's weak low bits over the whole word. */
    private static int finish(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
