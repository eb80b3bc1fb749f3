package io.nightbake.retrain.synthetic;

import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.tenant.TenantId;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Makes a fleet of synthetic tenants with learnable structure, one folder per tenant
 * ({@code outDir/tenant-001/interactions.parquet}, ...), in the format of {@link TenantDataWriter}.
 *
 * <p>Per tenant: products get a category (one of {@link #CATEGORIES}), ~10% are inactive, and a latent
 * vector near their category's centroid plus a bias; customers get a region (one of {@link #REGIONS}), a
 * segment, and a latent vector near their region's centroid plus a bias. A customer picks products by
 * popularity (Zipf) and by preference (the best of a few popular candidates, by latent score plus Gumbel
 * noise), never the same product twice. The value is
 * {@code 2.8 + customerBias + productBias + dot(customer, product) + N(0, noise)}, clamped to [1, 5] and
 * rounded to 0.5, so a factorization model beats the global mean clearly.
 *
 * <p>Deterministic: every tenant draws from its own {@link SplittableRandom} seeded from the spec's seed
 * and the tenant number, all maths is {@link StrictMath}, no hash order is involved, and the writer is
 * byte-stable; so the same spec gives the same bytes (tenants are generated in parallel).
 */
public final class SyntheticFleetGenerator {

    public static final List<String> CATEGORIES = List.of("electronics", "home", "garden", "toys", "books",
            "sports", "beauty", "grocery", "fashion", "office");
    public static final List<String> REGIONS = List.of("north", "south", "east", "west");
    public static final List<String> SEGMENTS = List.of("retail", "wholesale", "online");
    public static final String EVENT_TYPE = "rating";
    public static final int HISTORY_DAYS = 90;

    private static final double[] REGION_WEIGHTS = {0.3, 0.3, 0.2, 0.2};
    private static final double INACTIVE_SHARE = 0.10;
    private static final double GLOBAL_MEAN = 2.8;
    private static final double BIAS_SD = 0.45;
    /** Standard deviation of dot(customer, product). */
    private static final double INTERACTION_SD = 1.0;
    /** Share of a latent vector's variance that comes from its category or region centroid. */
    private static final double PRODUCT_CENTROID_SHARE = 0.5;
    private static final double CUSTOMER_CENTROID_SHARE = 0.25;
    private static final double POPULARITY_EXPONENT = 0.9;
    private static final int CANDIDATES_PER_PICK = 4;
    private static final double PREFERENCE_STRENGTH = 1.5;
    private static final double ACTIVITY_SIGMA = 0.8;
    private static final int MIN_INTERACTIONS_PER_CUSTOMER = 3;
    private static final int MIN_PRODUCTS = 30;
    /** Products shrink more slowly than customers across tenants: products ~ customers^this. */
    private static final double PRODUCT_SIZE_EXPONENT = 0.6;

    /** Generates the fleet into {@code outDir} (created if needed; existing tenant files are replaced). */
    public List<TenantSummary> generate(FleetSpec spec, Path outDir) {
        List<int[]> sizes = plannedSizes(spec);
        return IntStream.rangeClosed(1, spec.tenants())
                .parallel()
                .mapToObj(number -> {
                    int[] size = sizes.get(number - 1);
                    TenantDataset data = generateTenant(spec, number, size[0], size[1]);
                    Path dir = outDir.resolve(data.tenant().value());
                    TenantDataWriter.write(dir, data);
                    return new TenantSummary(data.tenant(), dir, data.customerCount(), data.productCount(),
                            data.interactionCount());
                })
                .collect(Collectors.toList());
    }

    /** Generates one tenant in memory (tenant numbers start at 1), without writing it. */
    public TenantDataset generateTenant(FleetSpec spec, int tenantNumber) {
        if (tenantNumber < 1 || tenantNumber > spec.tenants()) {
            throw new IllegalArgumentException("tenant number must be 1.." + spec.tenants() + ", was " + tenantNumber);
        }
        int[] size = plannedSizes(spec).get(tenantNumber - 1);
        return generateTenant(spec, tenantNumber, size[0], size[1]);
    }

    /** {@code tenant-001}, {@code tenant-002}, ... */
    public static TenantId tenantId(int tenantNumber) {
        return TenantId.of(String.format("tenant-%03d", tenantNumber));
    }

    /**
     * {customers, products} per tenant number (index 0 is tenant-001): Zipf sizes by size rank, with the
     * ranks shuffled over the tenants by the seed so that size does not follow the tenant number.
     */
    static List<int[]> plannedSizes(FleetSpec spec) {
        int n = spec.tenants();
        int[] rankOfTenant = new int[n];
        for (int i = 0; i < n; i++) {
            rankOfTenant[i] = i + 1;
        }
        SplittableRandom rng = new SplittableRandom(mix(spec.seed(), 0));
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = rankOfTenant[i];
            rankOfTenant[i] = rankOfTenant[j];
            rankOfTenant[j] = t;
        }
        List<int[]> sizes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double share = StrictMath.pow(rankOfTenant[i], -spec.sizeSkew());
            int customers = Math.max(spec.smallestCustomers(), (int) StrictMath.round(spec.largestCustomers() * share));
            double customerRatio = customers / (double) spec.largestCustomers();
            int products = (int) StrictMath.round(spec.largestProducts()
                    * StrictMath.pow(customerRatio, PRODUCT_SIZE_EXPONENT));
            products = Math.min(spec.largestProducts(), Math.max(Math.min(MIN_PRODUCTS, spec.largestProducts()), products));
            sizes.add(new int[] {customers, products});
        }
        return sizes;
    }

    /**
     * The preferences planted in a tenant (the same draws as {@link #generateTenant(FleetSpec, int)}), for simulating
     * how its customers react to recommended products: a feedback simulator that favours them rewards a model that
     * learned them.
     */
    public Planted planted(FleetSpec spec, int tenantNumber) {
        if (tenantNumber < 1 || tenantNumber > spec.tenants()) {
            throw new IllegalArgumentException("tenant number must be 1.." + spec.tenants() + ", was " + tenantNumber);
        }
        int[] size = plannedSizes(spec).get(tenantNumber - 1);
        Planted[] out = new Planted[1];
        TenantDataset data = generateTenant(spec, tenantNumber, size[0], size[1], out);
        return out[0].with(data);
    }

    /**
     * A tenant's planted latent vectors and biases (customer and product indexes as in its dataset).
     * {@link #affinity} is the preference score customers pick products by; {@link #rating} the rating they give.
     */
    public record Planted(TenantDataset data, int rank, double[] customerFactors, double[] customerBias,
                          double[] productFactors, double[] productBias) {

        Planted with(TenantDataset dataset) {
            return new Planted(dataset, rank, customerFactors, customerBias, productFactors, productBias);
        }

        /** dot(customer, product) + product bias: how much the customer likes the product beyond its own mood. */
        public double affinity(int customer, int product) {
            return dot(customerFactors, customer, productFactors, product, rank) + productBias[product];
        }

        /** The rating the customer would give, without noise, on the generator's scale (1..5, halves). */
        public double rating(int customer, int product) {
            double raw = GLOBAL_MEAN + customerBias[customer] + affinity(customer, product);
            return Math.max(1.0, Math.min(5.0, StrictMath.round(raw * 2) / 2.0));
        }
    }

    private TenantDataset generateTenant(FleetSpec spec, int number, int customerCount, int productCount) {
        return generateTenant(spec, number, customerCount, productCount, null);
    }

    private TenantDataset generateTenant(FleetSpec spec, int number, int customerCount, int productCount, Planted[] planted) {
        TenantId tenant = tenantId(number);
        SplittableRandom rng = new SplittableRandom(mix(spec.seed(), number));
        int rank = spec.rank();
        // latent components ~ N(0, s^2) so that dot(u, v) has standard deviation INTERACTION_SD
        double s = StrictMath.pow(INTERACTION_SD * INTERACTION_SD / rank, 0.25);

        double[][] categoryCentroids = gaussianMatrix(rng, CATEGORIES.size(), rank, s);
        double[][] regionCentroids = gaussianMatrix(rng, REGIONS.size(), rank, s);

        TenantDataset.Builder builder = TenantDataset.builder(tenant);

        // products
        int idWidth = Math.max(5, String.valueOf(productCount).length());
        double[] productFactors = new double[productCount * rank];
        double[] productBias = new double[productCount];
        double centroidWeight = StrictMath.sqrt(PRODUCT_CENTROID_SHARE);
        double ownWeight = StrictMath.sqrt(1 - PRODUCT_CENTROID_SHARE);
        for (int p = 0; p < productCount; p++) {
            int category = rng.nextInt(CATEGORIES.size());
            boolean active = rng.nextDouble() >= INACTIVE_SHARE;
            for (int f = 0; f < rank; f++) {
                productFactors[p * rank + f] = centroidWeight * categoryCentroids[category][f]
                        + ownWeight * s * gaussian(rng);
            }
            productBias[p] = BIAS_SD * gaussian(rng);
            builder.addProduct("prod-" + pad(p + 1, idWidth), active, CATEGORIES.get(category));
        }

        // popularity: Zipf over a random order of the products, as a cumulative distribution
        int[] order = permutation(rng, productCount);
        double[] popularity = new double[productCount];
        for (int i = 0; i < productCount; i++) {
            popularity[order[i]] = StrictMath.pow(i + 1, -POPULARITY_EXPONENT);
        }
        double[] cumulative = new double[productCount];
        double total = 0;
        for (int p = 0; p < productCount; p++) {
            total += popularity[p];
            cumulative[p] = total;
        }

        // customers
        idWidth = Math.max(6, String.valueOf(customerCount).length());
        double[] customerFactors = new double[customerCount * rank];
        double[] customerBias = new double[customerCount];
        centroidWeight = StrictMath.sqrt(CUSTOMER_CENTROID_SHARE);
        ownWeight = StrictMath.sqrt(1 - CUSTOMER_CENTROID_SHARE);
        for (int c = 0; c < customerCount; c++) {
            int region = pickWeighted(rng, REGION_WEIGHTS);
            String segment = SEGMENTS.get(rng.nextInt(SEGMENTS.size()));
            for (int f = 0; f < rank; f++) {
                customerFactors[c * rank + f] = centroidWeight * regionCentroids[region][f]
                        + ownWeight * s * gaussian(rng);
            }
            customerBias[c] = BIAS_SD * gaussian(rng);
            builder.addCustomer("cust-" + pad(c + 1, idWidth), REGIONS.get(region), segment);
        }

        // interactions
        long referenceMicros = micros(spec.referenceTime());
        long historySeconds = HISTORY_DAYS * 86_400L;
        double activityMu = StrictMath.log(spec.interactionsPerCustomer()) - ACTIVITY_SIGMA * ACTIVITY_SIGMA / 2;
        int maxPerCustomer = Math.max(MIN_INTERACTIONS_PER_CUSTOMER, productCount / 2);
        builder.expectInteractions((int) Math.min(Integer.MAX_VALUE - 8,
                (long) (customerCount * spec.interactionsPerCustomer() * 1.1)));
        boolean[] taken = new boolean[productCount];
        int[] chosen = new int[maxPerCustomer];
        for (int c = 0; c < customerCount; c++) {
            int wanted = (int) StrictMath.round(StrictMath.exp(activityMu + ACTIVITY_SIGMA * gaussian(rng)));
            wanted = Math.max(MIN_INTERACTIONS_PER_CUSTOMER, Math.min(maxPerCustomer, wanted));
            int picked = 0;
            for (int attempt = 0; picked < wanted && attempt < wanted * 30; attempt++) {
                int best = -1;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < CANDIDATES_PER_PICK; k++) {
                    int candidate = sample(rng, cumulative, total);
                    double score = PREFERENCE_STRENGTH
                            * (dot(customerFactors, c, productFactors, candidate, rank) + productBias[candidate])
                            + gumbel(rng);
                    if (score > bestScore) {
                        bestScore = score;
                        best = candidate;
                    }
                }
                if (taken[best]) {
                    continue;
                }
                taken[best] = true;
                chosen[picked++] = best;
                double raw = GLOBAL_MEAN + customerBias[c] + productBias[best]
                        + dot(customerFactors, c, productFactors, best, rank) + spec.noise() * gaussian(rng);
                double rating = Math.max(1.0, Math.min(5.0, StrictMath.round(raw * 2) / 2.0));
                long secondsBefore = 1 + rng.nextLong(historySeconds);
                builder.addInteraction(c, best, rating, referenceMicros - secondsBefore * 1_000_000L, EVENT_TYPE);
            }
            for (int i = 0; i < picked; i++) {
                taken[chosen[i]] = false;
            }
        }
        if (planted != null) {
            planted[0] = new Planted(null, rank, customerFactors, customerBias, productFactors, productBias);
        }
        return builder.build();
    }

    // ---------------------------------------------------------------- random helpers (StrictMath only)

    /** SplitMix64 finalizer over the seed and a stream number: independent, well-spread seeds. */
    static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Standard normal by Box-Muller (one of the pair; simple and reproducible across JDKs). */
    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // (0, 1]
        double u2 = rng.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    private static double gumbel(SplittableRandom rng) {
        double u = 1.0 - rng.nextDouble(); // (0, 1]
        if (u == 1.0) {
            u = 0.9999999999999999;
        }
        return -StrictMath.log(-StrictMath.log(u));
    }

    private static double[][] gaussianMatrix(SplittableRandom rng, int rows, int cols, double sd) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = sd * gaussian(rng);
            }
        }
        return m;
    }

    private static int[] permutation(SplittableRandom rng, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static int sample(SplittableRandom rng, double[] cumulative, double total) {
        double u = rng.nextDouble() * total;
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static int pickWeighted(SplittableRandom rng, double[] weights) {
        double u = rng.nextDouble();
        for (int i = 0; i < weights.length - 1; i++) {
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private static double dot(double[] a, int row, double[] b, int col, int rank) {
        double sum = 0;
        int i = row * rank;
        int j = col * rank;
        for (int f = 0; f < rank; f++) {
            sum += a[i + f] * b[j + f];
        }
        return sum;
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    private static String pad(int number, int width) {
        String digits = Integer.toString(number);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }
}
