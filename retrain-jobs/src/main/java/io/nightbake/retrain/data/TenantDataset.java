package io.nightbake.retrain.data;

import io.nightbake.tenant.TenantId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One tenant's training data, dictionary-encoded and immutable.
 *
 * <p>Customers and products are numbered {@code 0..count-1}; their string ids, side features and the
 * interactions all refer to those numbers. Interactions are parallel primitive arrays, read with
 * {@link #customer(int)}, {@link #product(int)}, {@link #value(int)} and {@link #eventTimeMicros(int)}
 * for {@code 0 <= i < interactionCount()}:
 * <pre>{@code
 * for (int i = 0; i < data.interactionCount(); i++) {
 *     int c = data.customer(i), p = data.product(i);
 *     double rating = data.value(i);
 *     String category = data.productCategory(p);   // may be null
 * }
 * }</pre>
 * Optional string attributes (region, segment, category, event type) are small dictionaries: the
 * {@code ...Code} accessors give the position in the matching value list, or -1 for null, which is
 * what one-hot features want.
 *
 * <p>Build one with {@link #builder(TenantId)}; {@link TenantDataReader} builds one from Parquet.
 */
public final class TenantDataset {

    private final TenantId tenant;

    private final String[] customerIds;
    private final Map<String, Integer> customerLookup;
    private final int[] customerRegion;
    private final String[] regions;
    private final int[] customerSegment;
    private final String[] segments;

    private final String[] productIds;
    private final Map<String, Integer> productLookup;
    private final boolean[] productActive;
    private final int[] productCategory;
    private final String[] categories;

    private final int[] customer;
    private final int[] product;
    private final double[] value;
    private final long[] eventTimeMicros;
    private final int[] eventType;
    private final String[] eventTypes;
    /** (customer, product) pairs shown but neither clicked nor bought (feedback impressions): negative signal. */
    private final int[] negativeCustomer;
    private final int[] negativeProduct;

    private TenantDataset(Builder b) {
        tenant = b.tenant;
        int nc = b.customerIds.size();
        customerIds = b.customerIds.toArray(new String[0]);
        customerLookup = b.customerLookup;
        customerRegion = Arrays.copyOf(b.customerRegion, nc);
        regions = b.regions.values();
        customerSegment = Arrays.copyOf(b.customerSegment, nc);
        segments = b.segments.values();

        int np = b.productIds.size();
        productIds = b.productIds.toArray(new String[0]);
        productLookup = b.productLookup;
        productActive = Arrays.copyOf(b.productActive, np);
        productCategory = Arrays.copyOf(b.productCategory, np);
        categories = b.categories.values();

        // the builder is spent after build(), so exactly sized arrays are taken over without copying
        int n = b.interactions;
        customer = b.customer.length == n ? b.customer : Arrays.copyOf(b.customer, n);
        product = b.product.length == n ? b.product : Arrays.copyOf(b.product, n);
        value = b.value.length == n ? b.value : Arrays.copyOf(b.value, n);
        eventTimeMicros = b.eventTimeMicros.length == n ? b.eventTimeMicros : Arrays.copyOf(b.eventTimeMicros, n);
        eventType = b.eventType.length == n ? b.eventType : Arrays.copyOf(b.eventType, n);
        eventTypes = b.eventTypes.values();
        negativeCustomer = Arrays.copyOf(b.negativeCustomer, b.negatives);
        negativeProduct = Arrays.copyOf(b.negativeProduct, b.negatives);
    }

    // ---------------------------------------------------------------- negatives (from feedback impressions)

    /** How many (customer, product) pairs were shown without a click or purchase (see {@code FeedbackMerge}). */
    public int negativeCount() {
        return negativeCustomer.length;
    }

    public int negativeCustomer(int i) {
        return negativeCustomer[i];
    }

    public int negativeProduct(int i) {
        return negativeProduct[i];
    }

    public static Builder builder(TenantId tenant) {
        return new Builder(tenant);
    }

    public TenantId tenant() {
        return tenant;
    }

    // ---------------------------------------------------------------- customers

    public int customerCount() {
        return customerIds.length;
    }

    public String customerId(int customer) {
        return customerIds[customer];
    }

    /** The customer's index, or -1 when the id is unknown. */
    public int customerIndex(String customerId) {
        Integer index = customerLookup.get(customerId);
        return index == null ? -1 : index;
    }

    /** All customer ids by index (unmodifiable). */
    public List<String> customerIds() {
        return Collections.unmodifiableList(Arrays.asList(customerIds));
    }

    /** The customer's region, or null. */
    public String customerRegion(int customer) {
        int code = customerRegion[customer];
        return code < 0 ? null : regions[code];
    }

    /** Index of the customer's region in {@link #regions()}, or -1 when it has none. */
    public int customerRegionCode(int customer) {
        return customerRegion[customer];
    }

    /** The distinct regions, in order of first appearance. */
    public List<String> regions() {
        return List.of(regions);
    }

    /** The customer's segment, or null. */
    public String customerSegment(int customer) {
        int code = customerSegment[customer];
        return code < 0 ? null : segments[code];
    }

    public int customerSegmentCode(int customer) {
        return customerSegment[customer];
    }

    public List<String> segments() {
        return List.of(segments);
    }

    // ---------------------------------------------------------------- products

    public int productCount() {
        return productIds.length;
    }

    public String productId(int product) {
        return productIds[product];
    }

    /** The product's index, or -1 when the id is unknown. */
    public int productIndex(String productId) {
        Integer index = productLookup.get(productId);
        return index == null ? -1 : index;
    }

    /** All product ids by index (unmodifiable). */
    public List<String> productIds() {
        return Collections.unmodifiableList(Arrays.asList(productIds));
    }

    public boolean productActive(int product) {
        return productActive[product];
    }

    /** The product's category, or null. */
    public String productCategory(int product) {
        int code = productCategory[product];
        return code < 0 ? null : categories[code];
    }

    /** Index of the product's category in {@link #categories()}, or -1 when it has none. */
    public int productCategoryCode(int product) {
        return productCategory[product];
    }

    /** The distinct categories, in order of first appearance. */
    public List<String> categories() {
        return List.of(categories);
    }

    // ---------------------------------------------------------------- interactions

    public int interactionCount() {
        return customer.length;
    }

    /** Customer index of interaction {@code i}. */
    public int customer(int i) {
        return customer[i];
    }

    /** Product index of interaction {@code i}. */
    public int product(int i) {
        return product[i];
    }

    /** Value (rating or purchase strength) of interaction {@code i}; always finite. */
    public double value(int i) {
        return value[i];
    }

    /** Event time of interaction {@code i} in microseconds since the epoch (UTC). */
    public long eventTimeMicros(int i) {
        return eventTimeMicros[i];
    }

    public Instant eventTime(int i) {
        long micros = eventTimeMicros[i];
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** Event type of interaction {@code i}, or null. */
    public String eventType(int i) {
        int code = eventType[i];
        return code < 0 ? null : eventTypes[code];
    }

    public int eventTypeCode(int i) {
        return eventType[i];
    }

    public List<String> eventTypes() {
        return List.of(eventTypes);
    }

    /** Copies of the interaction columns, for code that wants whole arrays (e.g. to shuffle or split). */
    public int[] customerColumn() {
        return customer.clone();
    }

    public int[] productColumn() {
        return product.clone();
    }

    public double[] valueColumn() {
        return value.clone();
    }

    public long[] eventTimeMicrosColumn() {
        return eventTimeMicros.clone();
    }

    @Override
    public String toString() {
        return "TenantDataset[" + tenant + ": " + customerCount() + " customers, " + productCount() + " products, "
                + interactionCount() + " interactions]";
    }

    // ---------------------------------------------------------------- builder

    /**
     * Collects customers, products and interactions; not thread-safe. Misuse (duplicate ids, unknown
     * indexes, non-finite values) throws {@link IllegalArgumentException}: the reader checks the files
     * first so that users see a {@link TenantDataException} instead.
     */
    public static final class Builder {
        private final TenantId tenant;

        private final List<String> customerIds = new ArrayList<>();
        private final Map<String, Integer> customerLookup = new HashMap<>();
        private int[] customerRegion = new int[16];
        private int[] customerSegment = new int[16];
        private final Dictionary regions = new Dictionary();
        private final Dictionary segments = new Dictionary();

        private final List<String> productIds = new ArrayList<>();
        private final Map<String, Integer> productLookup = new HashMap<>();
        private boolean[] productActive = new boolean[16];
        private int[] productCategory = new int[16];
        private final Dictionary categories = new Dictionary();

        private int interactions;
        private int[] customer = new int[64];
        private int[] product = new int[64];
        private double[] value = new double[64];
        private long[] eventTimeMicros = new long[64];
        private int[] eventType = new int[64];
        private final Dictionary eventTypes = new Dictionary();
        private int negatives;
        private int[] negativeCustomer = new int[0];
        private int[] negativeProduct = new int[0];

        private boolean built;

        private Builder(TenantId tenant) {
            this.tenant = Objects.requireNonNull(tenant, "tenant");
        }

        private void checkNotBuilt() {
            if (built) {
                throw new IllegalStateException("this builder has already built its dataset; start a new one");
            }
        }

        /** Adds a customer with no region or segment; returns its index. */
        public int addCustomer(String customerId) {
            return addCustomer(customerId, null, null);
        }

        /** Adds a customer (region and segment may be null); returns its index. */
        public int addCustomer(String customerId, String region, String segment) {
            checkNotBuilt();
            Objects.requireNonNull(customerId, "customer id");
            int index = customerIds.size();
            if (customerLookup.putIfAbsent(customerId, index) != null) {
                throw new IllegalArgumentException("duplicate customer id '" + customerId + "'");
            }
            customerIds.add(customerId);
            if (index == customerRegion.length) {
                customerRegion = Arrays.copyOf(customerRegion, index * 2);
                customerSegment = Arrays.copyOf(customerSegment, index * 2);
            }
            customerRegion[index] = regions.code(region);
            customerSegment[index] = segments.code(segment);
            return index;
        }

        /** The index of a customer added so far, or -1. */
        public int customerIndex(String customerId) {
            Integer index = customerLookup.get(customerId);
            return index == null ? -1 : index;
        }

        /** Adds a product (category may be null); returns its index. */
        public int addProduct(String productId, boolean active, String category) {
            checkNotBuilt();
            Objects.requireNonNull(productId, "product id");
            int index = productIds.size();
            if (productLookup.putIfAbsent(productId, index) != null) {
                throw new IllegalArgumentException("duplicate product id '" + productId + "'");
            }
            productIds.add(productId);
            if (index == productActive.length) {
                productActive = Arrays.copyOf(productActive, index * 2);
                productCategory = Arrays.copyOf(productCategory, index * 2);
            }
            productActive[index] = active;
            productCategory[index] = categories.code(category);
            return index;
        }

        /** The index of a product added so far, or -1. */
        public int productIndex(String productId) {
            Integer index = productLookup.get(productId);
            return index == null ? -1 : index;
        }

        /**
         * Adds an interaction by ids: an unknown customer is added with no attributes, an unknown product
         * is an error.
         */
        public Builder addInteraction(String customerId, String productId, double value, long eventTimeMicros,
                                      String eventType) {
            int c = customerIndex(customerId);
            if (c < 0) {
                c = addCustomer(customerId);
            }
            int p = productIndex(productId);
            if (p < 0) {
                throw new IllegalArgumentException("unknown product id '" + productId + "'");
            }
            return addInteraction(c, p, value, eventTimeMicros, eventType);
        }

        /** Adds an interaction by indexes (event type may be null). */
        public Builder addInteraction(int customer, int product, double value, long eventTimeMicros, String eventType) {
            return addInteractionCoded(customer, product, value, eventTimeMicros, eventTypes.code(eventType));
        }

        /** The dictionary code of an event type, for {@link #addInteractionCoded}. */
        int eventTypeCode(String eventType) {
            return eventTypes.code(eventType);
        }

        Builder addInteractionCoded(int customer, int product, double value, long eventTimeMicros, int eventTypeCode) {
            checkNotBuilt();
            if (customer < 0 || customer >= customerIds.size()) {
                throw new IllegalArgumentException("customer index " + customer + " out of range 0.." + (customerIds.size() - 1));
            }
            if (product < 0 || product >= productIds.size()) {
                throw new IllegalArgumentException("product index " + product + " out of range 0.." + (productIds.size() - 1));
            }
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("interaction value must be finite, was " + value);
            }
            int i = interactions;
            if (i == this.customer.length) {
                int grown = i + (i >> 1);
                this.customer = Arrays.copyOf(this.customer, grown);
                this.product = Arrays.copyOf(this.product, grown);
                this.value = Arrays.copyOf(this.value, grown);
                this.eventTimeMicros = Arrays.copyOf(this.eventTimeMicros, grown);
                this.eventType = Arrays.copyOf(this.eventType, grown);
            }
            this.customer[i] = customer;
            this.product[i] = product;
            this.value[i] = value;
            this.eventTimeMicros[i] = eventTimeMicros;
            this.eventType[i] = eventTypeCode;
            interactions = i + 1;
            return this;
        }

        /** Reserves room for this many interactions in total (optional, avoids regrowing). */
        public Builder expectInteractions(int count) {
            if (count > customer.length) {
                customer = Arrays.copyOf(customer, count);
                product = Arrays.copyOf(product, count);
                value = Arrays.copyOf(value, count);
                eventTimeMicros = Arrays.copyOf(eventTimeMicros, count);
                eventType = Arrays.copyOf(eventType, count);
            }
            return this;
        }

        public int interactionCount() {
            return interactions;
        }

        /** Adds a shown-but-not-taken (customer, product) pair by indexes. */
        public Builder addNegative(int customer, int product) {
            checkNotBuilt();
            if (customer < 0 || customer >= customerIds.size() || product < 0 || product >= productIds.size()) {
                throw new IllegalArgumentException("negative pair (" + customer + ", " + product + ") out of range");
            }
            if (negatives == negativeCustomer.length) {
                int grown = Math.max(16, negatives * 2);
                negativeCustomer = Arrays.copyOf(negativeCustomer, grown);
                negativeProduct = Arrays.copyOf(negativeProduct, grown);
            }
            negativeCustomer[negatives] = customer;
            negativeProduct[negatives] = product;
            negatives++;
            return this;
        }

        // package-private views for FeedbackMerge, which appends to a builder the reader filled
        int rowCustomer(int row) {
            return customer[row];
        }

        int rowProduct(int row) {
            return product[row];
        }

        long rowTimeMicros(int row) {
            return eventTimeMicros[row];
        }

        int rowEventTypeCode(int row) {
            return eventType[row];
        }

        void replaceValue(int row, double newValue, long newTimeMicros) {
            value[row] = newValue;
            eventTimeMicros[row] = newTimeMicros;
        }

        /** Builds the dataset; the builder cannot be used afterwards (the dataset shares its lookups). */
        public TenantDataset build() {
            checkNotBuilt();
            built = true;
            return new TenantDataset(this);
        }
    }

    /** A small string dictionary: null is code -1, other values get codes in order of first appearance. */
    private static final class Dictionary {
        private final Map<String, Integer> codes = new HashMap<>();
        private final List<String> values = new ArrayList<>();
        private String last;
        private int lastCode = -1;

        int code(String value) {
            if (value == null) {
                return -1;
            }
            if (value.equals(last)) {
                return lastCode;
            }
            Integer code = codes.get(value);
            if (code == null) {
                code = values.size();
                codes.put(value, code);
                values.add(value);
            }
            last = value;
            lastCode = code;
            return code;
        }

        String[] values() {
            return values.toArray(new String[0]);
        }
    }
}
