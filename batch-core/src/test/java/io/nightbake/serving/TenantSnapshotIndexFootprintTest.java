package io.nightbake.serving;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bytes per (customer, rank) entry of a 200,000 customers x 20 ranks index with 10,000 products, built in memory.
 * Prints the heap measurement too; asserts only the computed size, which does not depend on the JVM's mood.
 */
class TenantSnapshotIndexFootprintTest {

    @Test
    void staysWellUnderTwentyBytesPerEntry() {
        double bytesPerEntry = ServingIndexBenchmark.report("builder", () -> build(
                ServingIndexBenchmark.CUSTOMERS, ServingIndexBenchmark.RANKS, ServingIndexBenchmark.PRODUCTS));

        assertThat(bytesPerEntry).isLessThan(12.0);
    }

    private static TenantSnapshotIndex build(int customers, int ranks, int products) {
        String[] productIds = new String[products];
        for (int p = 0; p < products; p++) {
            productIds[p] = String.format("p-%06d", p);
        }
        SplittableRandom random = new SplittableRandom(5);
        TenantSnapshotIndex.Builder builder = TenantSnapshotIndex.builder("bench", "footprint");
        for (int c = 0; c < customers; c++) {
            builder.customer(String.format("c-%07d", c));
            for (int r = 0; r < ranks; r++) {
                builder.recommend(productIds[random.nextInt(products)], 1.0 - r * 0.01);
            }
        }
        TenantSnapshotIndex index = builder.build();
        assertThat(index.entryCount()).isEqualTo(customers * ranks);
        return index;
    }
}
