package io.nightbake.serving;

import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.serving.TenantSnapshotIndex.Lookup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecommendationIndexTest {

    private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 3);
    private static final Instant BUILT_AT = Instant.parse("2026-11-04T01:00:00Z");
    private static final int CUSTOMERS = 2_000;
    private static final int K = 10;

    @TempDir
    Path dir;

    /**
     * A snapshot where every list holds only products starting with {@code prefix}; every 10th customer has an
     * empty list.
     */
    private Path snapshotFile(String prefix, int modelVersion) throws Exception {
        SnapshotFiles files = SnapshotFiles.snapshot("acme", modelVersion, RUN_DATE);
        for (int c = 0; c < CUSTOMERS; c++) {
            String customer = String.format("c-%07d", c);
            if (c % 10 == 0) {
                files.marker(customer);
                continue;
            }
            Object[] list = new Object[2 * K];
            for (int r = 0; r < K; r++) {
                list[2 * r] = prefix + ((c * 31 + r * 7) % 500);
                list[2 * r + 1] = 1.0 - r * 0.01;
            }
            files.customer(customer, list);
        }
        Path folder = Files.createDirectories(dir.resolve(prefix + modelVersion));
        return files.write(folder.resolve(RecommendationsFile.FILE_NAME));
    }

    @Test
    void swapsRemovesAndRefusesAnotherTenantsSnapshot() {
        RecommendationIndex index = new RecommendationIndex();
        TenantSnapshotIndex first = TenantSnapshotIndex.builder("acme", "s1").customer("c-1").recommend("p-1", 1).build();
        TenantSnapshotIndex second = TenantSnapshotIndex.builder("acme", "s2").customer("c-1").recommend("p-2", 1).build();

        assertThat(index.get("acme")).isNull();
        assertThat(index.lookup("acme", "c-1", 5)).isNull();
        assertThat(index.swap("acme", first)).isNull();
        assertThat(index.get("acme")).isSameAs(first);
        assertThat(index.swap("acme", second)).isSameAs(first);
        assertThat(index.lookup("acme", "c-1", 5).productId(0)).isEqualTo("p-2");
        assertThat(index.tenants()).containsExactly("acme");

        TenantSnapshotIndex globex = TenantSnapshotIndex.builder("globex", "s9").build();
        assertThatThrownBy(() -> index.swap("acme", globex))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds the lists of tenant 'globex', not of tenant 'acme'");
        assertThat(index.get("acme")).isSameAs(second);

        assertThat(index.remove("acme")).isSameAs(second);
        assertThat(index.get("acme")).isNull();
        assertThat(index.remove("acme")).isNull();
        assertThat(index.size()).isZero();
    }

    @Test
    void aSnapshotThatFailsToLoadLeavesTheCurrentOneInService() throws Exception {
        RecommendationIndex index = new RecommendationIndex();
        TenantSnapshotIndex good = index.loadAndSwap("acme", snapshotFile("a-", 1), "good", BUILT_AT);
        Path broken = Files.writeString(dir.resolve("broken.parquet"), "not parquet");

        assertThatThrownBy(() -> index.loadAndSwap("acme", broken, "broken", BUILT_AT))
                .isInstanceOf(SnapshotLoadException.class)
                .hasMessageContaining(broken.toString());
        assertThat(index.get("acme")).isSameAs(good);
        assertThat(good.snapshotId()).isEqualTo("good");
    }

    @Test
    void readersNeverSeeAMixNorNothingWhileSnapshotsAreSwapped() throws Exception {
        TenantSnapshotIndex a = TenantSnapshotIndex.load(snapshotFile("a-", 1), "A", BUILT_AT);
        TenantSnapshotIndex b = TenantSnapshotIndex.load(snapshotFile("b-", 2), "B", BUILT_AT);
        RecommendationIndex index = new RecommendationIndex();
        index.swap("acme", a);

        int readers = Math.max(3, Runtime.getRuntime().availableProcessors());
        int minSwaps = 20_000;
        long minLookups = 300_000;
        AtomicLong swaps = new AtomicLong();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong lookups = new AtomicLong();
        AtomicLong sawA = new AtomicLong();
        AtomicLong sawB = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < readers; t++) {
            Thread reader = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                awaitQuietly(start);
                long mine = 0;
                try {
                    while (!done.get() || mine < 1_000) {
                        int c = random.nextInt(CUSTOMERS + 10);
                        String customer = String.format("c-%07d", c);
                        Lookup lookup = index.lookup("acme", customer, 1 + random.nextInt(K + 5));
                        mine++;
                        lookups.incrementAndGet();
                        if (lookup == null) {
                            problems.add("tenant missing at lookup " + mine);
                            continue;
                        }
                        if (c >= CUSTOMERS) {
                            if (!lookup.isUnknownCustomer()) {
                                problems.add(customer + " should be unknown, got " + lookup);
                            }
                            continue;
                        }
                        if (lookup.isUnknownCustomer() || (c % 10 == 0) != lookup.isEmpty()) {
                            problems.add(customer + ": unexpected " + lookup);
                            continue;
                        }
                        if (lookup.isEmpty()) {
                            continue;
                        }
                        String prefix = lookup.productId(0).substring(0, 2);
                        (prefix.equals("a-") ? sawA : sawB).incrementAndGet();
                        for (int i = 0; i < lookup.size(); i++) {
                            if (!lookup.productId(i).startsWith(prefix)) {
                                problems.add(customer + ": mixed list " + lookup);
                                break;
                            }
                        }
                    }
                } catch (Throwable e) {
                    problems.add("reader failed: " + e);
                }
            }, "reader-" + t);
            threads.add(reader);
            reader.start();
        }
        Thread writer = new Thread(() -> {
            awaitQuietly(start);
            long deadline = System.nanoTime() + 30_000_000_000L;
            try {
                // swap for as long as the readers read, so that they run into swaps all the time
                for (int i = 0; i < minSwaps || (lookups.get() < minLookups && System.nanoTime() < deadline); i++) {
                    swaps.incrementAndGet();
                    TenantSnapshotIndex next = i % 2 == 0 ? b : a;
                    TenantSnapshotIndex previous = index.swap("acme", next);
                    if (previous == null || previous == next) {
                        problems.add("swap " + i + " replaced " + previous);
                    }
                    if (i % 64 == 0 || i % 64 == 33) {
                        // let readers in, as often with A in place as with B
                        Thread.yield();
                    }
                }
            } catch (Throwable e) {
                problems.add("writer failed: " + e);
            } finally {
                done.set(true);
            }
        }, "writer");
        writer.start();
        start.countDown();
        writer.join(60_000);
        for (Thread thread : threads) {
            thread.join(60_000);
        }

        assertThat(problems).isEmpty();
        assertThat(lookups.get()).isGreaterThanOrEqualTo(1_000L * readers);
        assertThat(swaps.get()).isGreaterThanOrEqualTo(minSwaps);
        assertThat(sawA.get()).as("lists read from snapshot A").isPositive();
        assertThat(sawB.get()).as("lists read from snapshot B").isPositive();
        System.out.printf("concurrency: %d readers, %d lookups, %d swaps, lists from A %d, from B %d%n", readers,
                lookups.get(), swaps.get(), sawA.get(), sawB.get());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
