package io.nightbake.serving;

import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.serving.TenantSnapshotIndex.Lookup;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Memory, load speed and lookup speed of the serving index, printed, never asserted on time. Not part of the
 * normal test run (the class name does not match surefire's includes); run it with
 * {@code mvn -o -pl batch-core -am test -Dtest=ServingIndexBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * or its {@link #main}. Arguments: customers, ranks, products (default 200000 20 10000).
 *
 * <p>Memory is measured two ways: (1) computed from the index's arrays and dictionary strings
 * ({@link TenantSnapshotIndex#estimatedHeapBytes()}), (2) the used-heap difference around building the index,
 * each side taken after {@link System#gc()} five times.
 */
public class ServingIndexBenchmark {

    static final int CUSTOMERS = 200_000;
    static final int RANKS = 20;
    static final int PRODUCTS = 10_000;

    @Test
    void benchmark() throws Exception {
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        int customers = args.length > 0 ? Integer.parseInt(args[0]) : CUSTOMERS;
        int ranks = args.length > 1 ? Integer.parseInt(args[1]) : RANKS;
        int products = args.length > 2 ? Integer.parseInt(args[2]) : PRODUCTS;
        System.out.printf("machine: %d cores, %s %s, Java %s, max heap %d MB%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);

        Path dir = Files.createTempDirectory("nightbake-serving-bench");
        Path file = dir.resolve(RecommendationsFile.FILE_NAME);
        try {
            long t0 = System.nanoTime();
            long rows = writeSnapshot(file, customers, ranks, products);
            System.out.printf("wrote %,d rows (%d customers x %d ranks, 1%% empty lists, %d products), %.1f MB, in %.1f s%n",
                    rows, customers, ranks, products, Files.size(file) / 1e6, (System.nanoTime() - t0) / 1e9);

            // load speed: the first load includes JIT warm-up
            double[] seconds = new double[6];
            TenantSnapshotIndex index = null;
            for (int i = 0; i < seconds.length; i++) {
                long start = System.nanoTime();
                index = TenantSnapshotIndex.load(file, "bench", Instant.now());
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
            double first = seconds[0];
            Arrays.sort(seconds, 1, seconds.length);
            double median = seconds[1 + (seconds.length - 1) / 2];
            System.out.printf("load: first %.2f s (%,.0f rows/s); warm median %.2f s (%,.0f rows/s), best %.2f s%n",
                    first, rows / first, median, rows / median, seconds[1]);
            System.out.println("index: " + index);

            Path loaded = file;
            report("loaded from Parquet", () -> TenantSnapshotIndex.load(loaded, "bench", Instant.now()));
            lookups(index, customers);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** Prints both memory measurements of the index {@code build} makes; returns the computed bytes per entry. */
    static double report(String label, Supplier<TenantSnapshotIndex> build) {
        long before = usedHeapAfterGc();
        TenantSnapshotIndex index = build.get();
        long after = usedHeapAfterGc();
        double computed = (double) index.estimatedHeapBytes() / index.entryCount();
        double measured = (double) (after - before) / index.entryCount();
        int customers = index.customerCount();
        long ids = estimatedStringArrayBytes(index);
        System.out.printf("memory (%s): %,d customers, %,d entries, %,d products%n", label, customers,
                index.entryCount(), index.productCount());
        System.out.printf("  computed from array sizes: %,d bytes = %.2f bytes/entry%n", index.estimatedHeapBytes(),
                computed);
        System.out.printf("  heap delta after System.gc() x5: %,d bytes = %.2f bytes/entry%n", after - before, measured);
        System.out.printf("  customer ids as byte[] + offsets + hash table: %.1f bytes/customer; as a sorted String[]"
                        + " they would take %.1f bytes/customer%n",
                customerIdBytes(index) / (double) customers, ids / (double) customers);
        Reference.reachabilityFence(index);
        return computed;
    }

    /** Bytes of the customer-id part of the index: bytes, offsets and hash table (CSR starts not included). */
    private static long customerIdBytes(TenantSnapshotIndex index) {
        int n = index.customerCount();
        long idChars = 0;
        for (int c = 0; c < n; c++) {
            idChars += index.customerIdAt(c).length();
        }
        long table = (long) n + (n >> 1) + 1;
        return align(16 + idChars) + align(16 + 4L * (n + 1)) + align(16 + 4 * table);
    }

    /** What a sorted {@code String[]} of the same (Latin-1) customer ids would take. */
    private static long estimatedStringArrayBytes(TenantSnapshotIndex index) {
        int n = index.customerCount();
        long bytes = align(16 + 4L * n);
        for (int c = 0; c < n; c++) {
            bytes += 24 + align(16 + index.customerIdAt(c).length());
        }
        return bytes;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static void lookups(TenantSnapshotIndex index, int customers) {
        String[] ids = new String[1 << 16];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < ids.length; i++) {
            int c = random.nextInt(customers + customers / 20); // 5% unknown
            ids[i] = String.format("c-%07d", c);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            int n = 2_000_000;
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Lookup lookup = index.lookup(ids[i & (ids.length - 1)], 20);
                for (int r = 0; r < lookup.size(); r++) {
                    sink += lookup.productId(r).length() + (long) lookup.score(r);
                }
            }
            long nanos = System.nanoTime() - start;
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            System.out.printf("lookups (limit 20, reading every entry, 1 thread), round %d: %.0f ns/lookup, "
                    + "%.1f bytes allocated/lookup%n", round + 1, (double) nanos / n, (double) allocated / n);
        }
        if (sink == 42) {
            System.out.println();
        }
    }

    /** Writes customers x ranks rows (1% of the customers with a marker row instead), streaming. */
    static long writeSnapshot(Path file, int customers, int ranks, int products) throws Exception {
        String[] productIds = new String[products];
        for (int p = 0; p < products; p++) {
            productIds[p] = String.format("p-%06d", p);
        }
        SplittableRandom random = new SplittableRandom(3);
        int runDate = (int) LocalDate.of(2026, 11, 3).toEpochDay();
        long rows = 0;
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(RecommendationsFile.SCHEMA)
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withDictionaryEncoding(true)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(RecommendationsFile.SCHEMA);
            for (int c = 0; c < customers; c++) {
                String customer = String.format("c-%07d", c);
                if (c % 100 == 99) {
                    Group g = groups.newGroup().append("tenant_id", "bench").append("customer_id", customer)
                            .append("rank", 0).append("model_version", 3).append("run_date", runDate);
                    writer.write(g);
                    rows++;
                    continue;
                }
                double score = 5.0;
                for (int r = 1; r <= ranks; r++) {
                    score -= random.nextDouble() * 0.1;
                    Group g = groups.newGroup().append("tenant_id", "bench").append("customer_id", customer)
                            .append("rank", r).append("product_id", productIds[random.nextInt(products)])
                            .append("score", score).append("model_version", 3).append("run_date", runDate);
                    writer.write(g);
                    rows++;
                }
            }
        }
        return rows;
    }
}
