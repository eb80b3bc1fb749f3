package io.nightbake.retrain.synthetic;

import java.time.Instant;
import java.util.Objects;

/**
 * What {@link SyntheticFleetGenerator} makes. Tenant sizes follow a Zipf law over the tenants: the
 * largest has {@code largestCustomers} customers and {@code largestProducts} products, the k-th largest
 * about {@code largestCustomers * k^-sizeSkew} customers (never fewer than {@code smallestCustomers}),
 * with products shrinking more slowly. Each customer has about {@code interactionsPerCustomer}
 * interactions on average (log-normal, so a few heavy users). Ratings come from a planted model of
 * {@code rank} latent factors plus biases and Gaussian noise of standard deviation {@code noise}. Event
 * times fall in the 90 days before {@code referenceTime}, so the same spec always gives the same bytes.
 *
 * <p>{@link #defaults()} is a quick demo fleet: 20 tenants, largest 3,000 customers x 800 products,
 * about 210k interactions in all. Use the {@code with...} methods for benchmarks.
 */
public record FleetSpec(
        int tenants,
        long seed,
        int largestCustomers,
        int largestProducts,
        double interactionsPerCustomer,
        int smallestCustomers,
        double sizeSkew,
        int rank,
        double noise,
        Instant referenceTime) {

    public static final int DEFAULT_TENANTS = 20;
    public static final long DEFAULT_SEED = 42L;
    public static final int DEFAULT_LARGEST_CUSTOMERS = 3_000;
    public static final int DEFAULT_LARGEST_PRODUCTS = 800;
    public static final double DEFAULT_INTERACTIONS_PER_CUSTOMER = 25.0;
    public static final int DEFAULT_SMALLEST_CUSTOMERS = 40;
    public static final double DEFAULT_SIZE_SKEW = 1.2;
    public static final int DEFAULT_RANK = 8;
    public static final double DEFAULT_NOISE = 0.4;
    public static final Instant DEFAULT_REFERENCE_TIME = Instant.parse("2026-11-01T00:00:00Z");

    public FleetSpec {
        Objects.requireNonNull(referenceTime, "referenceTime");
        require(tenants >= 1 && tenants <= 999_999, "tenants must be 1..999999, was " + tenants);
        require(smallestCustomers >= 2, "smallestCustomers must be at least 2, was " + smallestCustomers);
        require(largestCustomers >= smallestCustomers,
                "largestCustomers (" + largestCustomers + ") must be at least smallestCustomers (" + smallestCustomers + ")");
        require(largestProducts >= 10, "largestProducts must be at least 10, was " + largestProducts);
        require(interactionsPerCustomer >= 1 && Double.isFinite(interactionsPerCustomer),
                "interactionsPerCustomer must be at least 1, was " + interactionsPerCustomer);
        require(sizeSkew >= 0 && Double.isFinite(sizeSkew), "sizeSkew must be >= 0, was " + sizeSkew);
        require(rank >= 1 && rank <= 256, "rank must be 1..256, was " + rank);
        require(noise >= 0 && Double.isFinite(noise), "noise must be >= 0, was " + noise);
    }

    /** The demo fleet (see the class comment). */
    public static FleetSpec defaults() {
        return new FleetSpec(DEFAULT_TENANTS, DEFAULT_SEED, DEFAULT_LARGEST_CUSTOMERS, DEFAULT_LARGEST_PRODUCTS,
                DEFAULT_INTERACTIONS_PER_CUSTOMER, DEFAULT_SMALLEST_CUSTOMERS, DEFAULT_SIZE_SKEW, DEFAULT_RANK,
                DEFAULT_NOISE, DEFAULT_REFERENCE_TIME);
    }

    public FleetSpec withTenants(int tenants) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withSeed(long seed) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    /** Sets the largest tenant's size (smallestCustomers is lowered if needed). */
    public FleetSpec withLargestTenant(int customers, int products) {
        return new FleetSpec(tenants, seed, customers, products, interactionsPerCustomer,
                Math.min(smallestCustomers, customers), sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withInteractionsPerCustomer(double interactionsPerCustomer) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withSmallestCustomers(int smallestCustomers) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withSizeSkew(double sizeSkew) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withRank(int rank) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withNoise(double noise) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    public FleetSpec withReferenceTime(Instant referenceTime) {
        return new FleetSpec(tenants, seed, largestCustomers, largestProducts, interactionsPerCustomer,
                smallestCustomers, sizeSkew, rank, noise, referenceTime);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid fleet spec: " + message);
        }
    }
}
