package io.nightbake.scoring;

import io.nightbake.retrain.data.TenantDataset;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The additive score masks of one tenant ({@code 0} keeps a product, {@code -Infinity} excludes it), built from
 * its rules: one base row per region (inactive products, blocked categories, the region's allowed categories),
 * plus each customer's already-bought products, set on top of a copy of the customer's region row.
 *
 * <p>"Already bought" means any interaction of the customer with the product except those whose event type is
 * {@code view} or {@code click}: ratings, purchases and untyped interactions (the universal schema's default) all
 * count.
 */
final class ScoreMasks {

    /** Event types that do not mean the customer has the product. */
    static final Set<String> BROWSING_EVENT_TYPES = Set.of("view", "click");

    private final int products;
    /** Row r + 1 is the base mask of region code r; row 0 is for customers without a region. */
    private final float[][] baseRows;
    private final int[] customerRegionRow;
    /** CSR: the bought products of customer c are boughtProducts[boughtStart[c] .. boughtStart[c + 1]). */
    private final int[] boughtStart;
    private final int[] boughtProducts;

    private ScoreMasks(int products, float[][] baseRows, int[] customerRegionRow, int[] boughtStart, int[] boughtProducts) {
        this.products = products;
        this.baseRows = baseRows;
        this.customerRegionRow = customerRegionRow;
        this.boughtStart = boughtStart;
        this.boughtProducts = boughtProducts;
    }

    static ScoreMasks build(TenantDataset data, ScoringRules rules) {
        int products = data.productCount();
        List<String> categories = data.categories();
        boolean[] blockedCategory = new boolean[categories.size()];
        for (int code = 0; code < blockedCategory.length; code++) {
            blockedCategory[code] = rules.blockedCategories().contains(categories.get(code));
        }
        float[] common = new float[products];
        for (int p = 0; p < products; p++) {
            int category = data.productCategoryCode(p);
            boolean excluded = (rules.excludeInactive() && !data.productActive(p))
                    || (category >= 0 && blockedCategory[category]);
            common[p] = excluded ? Float.NEGATIVE_INFINITY : 0f;
        }
        List<String> regions = data.regions();
        float[][] baseRows = new float[regions.size() + 1][];
        baseRows[0] = common;
        for (int r = 0; r < regions.size(); r++) {
            Set<String> allowed = rules.regionAllowedCategories().get(regions.get(r));
            if (allowed == null) {
                baseRows[r + 1] = common; // shared, never written
                continue;
            }
            float[] row = common.clone();
            for (int p = 0; p < products; p++) {
                String category = data.productCategory(p);
                if (category == null || !allowed.contains(category)) {
                    row[p] = Float.NEGATIVE_INFINITY;
                }
            }
            baseRows[r + 1] = row;
        }
        int customers = data.customerCount();
        int[] regionRow = new int[customers];
        for (int c = 0; c < customers; c++) {
            regionRow[c] = data.customerRegionCode(c) + 1;
        }

        int[] start = new int[customers + 1];
        int[] bought = new int[0];
        if (rules.excludePurchased()) {
            List<String> eventTypes = data.eventTypes();
            boolean[] browsing = new boolean[eventTypes.size()];
            for (int code = 0; code < browsing.length; code++) {
                browsing[code] = BROWSING_EVENT_TYPES.contains(eventTypes.get(code).toLowerCase(Locale.ROOT));
            }
            int n = data.interactionCount();
            for (int i = 0; i < n; i++) {
                if (counts(data, browsing, i)) {
                    start[data.customer(i) + 1]++;
                }
            }
            for (int c = 0; c < customers; c++) {
                start[c + 1] += start[c];
            }
            bought = new int[start[customers]];
            int[] next = Arrays.copyOf(start, customers);
            for (int i = 0; i < n; i++) {
                if (counts(data, browsing, i)) {
                    bought[next[data.customer(i)]++] = data.product(i);
                }
            }
        }
        return new ScoreMasks(products, baseRows, regionRow, start, bought);
    }

    private static boolean counts(TenantDataset data, boolean[] browsing, int interaction) {
        int type = data.eventTypeCode(interaction);
        return type < 0 || !browsing[type];
    }

    /** Writes customer {@code c}'s mask at row {@code row} of a [batch, products] buffer. */
    void fill(FloatBuffer mask, int row, int customer) {
        int offset = row * products;
        mask.put(offset, baseRows[customerRegionRow[customer]]);
        for (int i = boughtStart[customer], end = boughtStart[customer + 1]; i < end; i++) {
            mask.put(offset + boughtProducts[i], Float.NEGATIVE_INFINITY);
        }
    }

    /** True when product p is allowed for customer c (the reference for tests). */
    boolean allowed(int customer, int product) {
        if (baseRows[customerRegionRow[customer]][product] != 0f) {
            return false;
        }
        for (int i = boughtStart[customer], end = boughtStart[customer + 1]; i < end; i++) {
            if (boughtProducts[i] == product) {
                return false;
            }
        }
        return true;
    }
}
