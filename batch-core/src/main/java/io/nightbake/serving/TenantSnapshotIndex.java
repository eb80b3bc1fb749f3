package io.nightbake.serving;

import io.nightbake.client.ServingFile;
import io.nightbake.client.ServingSnapshot;
import io.nightbake.feedback.RecommendationId;
import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.tenant.TenantId;
import java.nio.ByteBuffer;
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
 * One tenant's published snapshot, immutable, for daytime lookups: a view on its bytes in the serving format
 * ({@link ServingFile}), memory-mapped from the snapshot's serving file ({@link #open}) or, when built from Parquet
 * or in memory, held on the heap in the same format (and written out with {@link #writeServingFile}).
 *
 * <p>Memory-lean, with no object per customer or per entry: customer ids as UTF-8 bytes with an open-addressing hash
 * table probed straight from the query {@link String}; product ids as a dictionary; lists in CSR form ({@code int}
 * product codes, {@code float} scores); per customer its experiment arm's ordinal when there are several arms.
 * About 8 bytes per (customer, rank) entry plus about 25 bytes per customer for ids of 9 ASCII characters.
 *
 * <p>All state is final, so an index handed over through a {@link java.util.concurrent.ConcurrentHashMap} (see
 * {@link RecommendationIndex}) is safely shared by any number of reader threads.
 */
public final class TenantSnapshotIndex {

    private final ServingSnapshot data;
    private final String[] recommendationIds;
    private final String runDateText;

    private TenantSnapshotIndex(ServingSnapshot data) {
        this.data = data;
        this.runDateText = data.runDate().toString();
        this.recommendationIds = new String[data.armCount()];
        for (int arm = 0; arm < recommendationIds.length; arm++) {
            recommendationIds[arm] = recommendationId(data, arm);
        }
    }

    /** The attribution id of an arm's lists; null when the snapshot's ids cannot form one (a tenant id check). */
    private static String recommendationId(ServingSnapshot data, int arm) {
        try {
            return new RecommendationId(TenantId.of(data.tenantId()), data.snapshotId(),
                    Math.max(0, data.armModelVersion(arm)), data.armName(arm)).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Loads and validates a published snapshot's Parquet lists ({@link RecommendationsFile}) into heap bytes in the
     * serving format. Throws {@link SnapshotLoadException} naming the file (and column) when it is missing,
     * unreadable, holds rows of more than one tenant, run date or model version per arm, lacks a column, or breaks
     * the ordering or marker rules.
     */
    public static TenantSnapshotIndex load(Path parquetFile, String snapshotId, Instant builtAt) {
        return SnapshotParquetLoader.load(parquetFile, snapshotId, builtAt);
    }

    /**
     * Maps and validates a serving file ({@link ServingFile}); throws {@link io.nightbake.client.ServingFileException}
     * when it is missing, truncated or damaged.
     */
    public static TenantSnapshotIndex open(Path servingFile) {
        return new TenantSnapshotIndex(ServingFile.open(servingFile));
    }

    /** Wraps serving bytes already validated. */
    public static TenantSnapshotIndex of(ServingSnapshot data) {
        return new TenantSnapshotIndex(Objects.requireNonNull(data, "data"));
    }

    /** Builds an index in memory (tests, tools): customers in order, each followed by its ranked products. */
    public static Builder builder(String tenantId, String snapshotId) {
        return new Builder(tenantId, snapshotId);
    }

    /** Writes this index's bytes as a serving file at {@code target} (atomically: temp file, then move). */
    public void writeServingFile(Path target) {
        ServingFile.write(data.bytes(), target);
    }

    /** The serving-format bytes this index reads. */
    public ServingSnapshot data() {
        return data;
    }

    // ---------------------------------------------------------------- lookups

    /**
     * The ranked list of a customer, best first, cut to {@code limit} entries. Returns
     * {@link Lookup#UNKNOWN_CUSTOMER} for a customer not in the snapshot. Allocates at most one small view object;
     * see {@link #customerOrdinal} and {@link #data()} for a path that allocates nothing.
     */
    public Lookup lookup(String customerId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 or more, not " + limit);
        }
        int c = customerOrdinal(customerId);
        if (c < 0) {
            return Lookup.UNKNOWN_CUSTOMER;
        }
        int start = data.listStart(c);
        int available = data.listEnd(c) - start;
        return new Lookup(this, start, Math.min(available, limit), available, data.customerArm(c));
    }

    /** Whether the customer is in the snapshot (with a list, possibly empty). */
    public boolean containsCustomer(String customerId) {
        return customerOrdinal(customerId) >= 0;
    }

    /** The customer's position in the snapshot (file order), or -1. Allocates nothing. */
    public int customerOrdinal(String customerId) {
        Objects.requireNonNull(customerId, "customerId");
        return data.customerOrdinal(customerId);
    }

    /**
     * A customer of the snapshot, for examples and smoke tests: the first (in file order) whose list is not empty,
     * else the first; null when the snapshot has no customers.
     */
    public String anyCustomerId() {
        int customers = customerCount();
        for (int c = 0; c < customers; c++) {
            if (data.listEnd(c) > data.listStart(c)) {
                return customerIdAt(c);
            }
        }
        return customers == 0 ? null : customerIdAt(0);
    }

    /** The id of the customer at {@code ordinal} (file order). */
    public String customerIdAt(int ordinal) {
        return data.customerIdAt(ordinal);
    }

    // ---------------------------------------------------------------- metadata

    public String tenantId() {
        return data.tenantId();
    }

    public String snapshotId() {
        return data.snapshotId();
    }

    /** The snapshot's model version: its champion arm's (its only arm's when it runs no experiment). */
    public int modelVersion() {
        return data.modelVersion();
    }

    public LocalDate runDate() {
        return data.runDate();
    }

    public Instant builtAt() {
        return data.builtAt();
    }

    /** {@link #runDate()} as ISO text ({@code 2026-10-31}), made once per snapshot for the answers. */
    public String runDateText() {
        return runDateText;
    }

    /** Customers in the snapshot, including those with an empty list. */
    public int customerCount() {
        return data.customerCount();
    }

    /** (customer, rank) entries; marker rows of empty lists are not entries. */
    public int entryCount() {
        return data.entryCount();
    }

    /** Distinct products in the lists. */
    public int productCount() {
        return data.productCount();
    }

    /** The experiment arms whose lists the snapshot holds (one, {@code champion}, without an experiment). */
    public int armCount() {
        return data.armCount();
    }

    public String armName(int arm) {
        return data.armName(arm);
    }

    public int armModelVersion(int arm) {
        return data.armModelVersion(arm);
    }

    /** The {@link RecommendationId} text of an arm's lists, computed once per snapshot and arm. */
    public String recommendationId(int arm) {
        return recommendationIds[arm];
    }

    /** Whether the index reads a memory-mapped serving file (false: heap bytes). */
    public boolean isMapped() {
        return data.isMapped();
    }

    /** The size of the serving bytes: page cache when mapped, heap otherwise. */
    public long servingBytes() {
        return data.byteSize();
    }

    /** The memory this index holds in serving bytes (mapped or on the heap); see {@link #servingBytes()}. */
    public long estimatedHeapBytes() {
        return data.byteSize();
    }

    @Override
    public String toString() {
        return "TenantSnapshotIndex[tenant=" + tenantId() + ", snapshot=" + snapshotId() + ", modelVersion="
                + modelVersion() + ", runDate=" + runDate() + ", customers=" + customerCount() + ", entries="
                + entryCount() + ", products=" + productCount() + ", builtAt=" + builtAt() + "]";
    }

    // ---------------------------------------------------------------- result view

    /** One product of a list and its score. */
    public record Recommendation(String productId, float score) {
    }

    /**
     * The answer to one lookup: {@link #UNKNOWN_CUSTOMER}, or the customer's list (possibly empty). A view on the
     * index's bytes: reading it allocates nothing (product ids are decoded once per snapshot and product).
     */
    public static final class Lookup {
        /** The customer is not in the snapshot. */
        public static final Lookup UNKNOWN_CUSTOMER = new Lookup(null, 0, 0, 0, 0);

        private final TenantSnapshotIndex index;
        private final int start;
        private final int size;
        private final int available;
        private final int arm;

        private Lookup(TenantSnapshotIndex index, int start, int size, int available, int arm) {
            this.index = index;
            this.start = start;
            this.size = size;
            this.available = available;
            this.arm = arm;
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

        /** Entries the customer's whole list holds (more than {@link #size()} when the limit cut it). */
        public int available() {
            return available;
        }

        /** The arm ordinal of the customer (see {@link TenantSnapshotIndex#armName}). */
        public int arm() {
            return arm;
        }

        /** The product at position {@code i} (0 is the best; its rank is {@code i + 1}). */
        public String productId(int i) {
            Objects.checkIndex(i, size);
            return index.data.productId(index.data.productCode(start + i));
        }

        /** The product's code in the snapshot's dictionary. */
        public int productCode(int i) {
            Objects.checkIndex(i, size);
            return index.data.productCode(start + i);
        }

        public float score(int i) {
            Objects.checkIndex(i, size);
            return index.data.score(start + i);
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
        private final Map<String, Integer> armCodes = new HashMap<>();
        private final List<String> arms = new ArrayList<>();
        private final List<Integer> armVersions = new ArrayList<>();
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

        /** Starts the next customer's list (empty until {@link #recommend} is called), in the champion arm. */
        public Builder customer(String customerId) {
            return customer(customerId, RecommendationId.CHAMPION, -1);
        }

        /**
         * Starts the next customer's list in an experiment arm whose lists come from {@code armModelVersion} (-1: the
         * snapshot's model version).
         */
        public Builder customer(String customerId, String arm, int armModelVersion) {
            Objects.requireNonNull(customerId, "customerId");
            Objects.requireNonNull(arm, "arm");
            requireNotBuilt();
            Integer code = armCodes.get(arm);
            if (code == null) {
                code = arms.size();
                arms.add(arm);
                armVersions.add(armModelVersion);
                armCodes.put(arm, code);
            }
            assembler.startCustomer(customerId.getBytes(StandardCharsets.UTF_8), code);
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
            if (arms.isEmpty()) {
                arms.add(RecommendationId.CHAMPION);
                armVersions.add(-1);
            }
            String[] armNames = arms.toArray(String[]::new);
            int[] versions = new int[armNames.length];
            for (int a = 0; a < versions.length; a++) {
                versions[a] = armVersions.get(a) < 0 ? modelVersion : armVersions.get(a);
            }
            return assembler.build(tenantId, snapshotId, modelVersion, runDate, builtAt, armNames, versions,
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
        private byte[] customerArm = new byte[64];
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

        /** Starts the next customer, whose id is the UTF-8 bytes {@code id}, in arm {@code arm}. */
        void startCustomer(byte[] id, int arm) {
            if (customers + 2 > idStart.length) {
                int grown = Math.max(customers + 2, idStart.length + (idStart.length >> 1));
                idStart = Arrays.copyOf(idStart, grown);
                customerStart = Arrays.copyOf(customerStart, grown);
                customerArm = Arrays.copyOf(customerArm, grown);
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
            customerArm[customers] = (byte) arm;
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
         * Encodes the arrays in the serving format (hashing the customer ids) and returns the index; a customer id
         * seen twice becomes the exception {@code onDuplicate} makes of it.
         */
        TenantSnapshotIndex build(String tenantId, String snapshotId, int modelVersion, LocalDate runDate,
                                  Instant builtAt, String[] armNames, int[] armModelVersions, String[] products,
                                  Function<String, RuntimeException> onDuplicate) {
            customerStart[customers] = entries;
            ByteBuffer encoded;
            try {
                encoded = ServingFile.encode(new ServingFile.Content(tenantId, snapshotId, builtAt, runDate,
                        modelVersion, armNames, armModelVersions, customers, idBytes, idStart, customerStart,
                        customerArm, entries, productCode, score, products));
            } catch (ServingFile.DuplicateCustomerException e) {
                throw onDuplicate.apply(e.customerId());
            }
            // release the growable buffers: the assembler may outlive the build in a caller's frame
            idBytes = null;
            productCode = null;
            score = null;
            return new TenantSnapshotIndex(ServingFile.wrap(Path.of("(built in memory: " + tenantId + " "
                    + snapshotId + ")"), encoded));
        }
    }
}
