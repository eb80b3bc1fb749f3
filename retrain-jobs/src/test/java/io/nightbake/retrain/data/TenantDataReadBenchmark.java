package io.nightbake.retrain.data;

import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.synthetic.TenantSummary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Measures generation and {@link TenantDataReader} speed on the largest tenant of a synthetic fleet.
 * Not a test: run it by hand, e.g.
 * {@code java -cp <test class path> io.nightbake.retrain.data.TenantDataReadBenchmark [customers products perCustomer]}.
 */
public final class TenantDataReadBenchmark {

    public static void main(String[] args) throws Exception {
        int customers = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int products = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        double perCustomer = args.length > 2 ? Double.parseDouble(args[2]) : 30;
        FleetSpec spec = FleetSpec.defaults().withTenants(1).withLargestTenant(customers, products)
                .withInteractionsPerCustomer(perCustomer);
        System.out.printf("machine: %s %s, %d cores, java %s, max heap %d MB%n", System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
        Path dir = Files.createTempDirectory("nightbake-read-bench");
        long t0 = System.nanoTime();
        List<TenantSummary> fleet = new SyntheticFleetGenerator().generate(spec, dir);
        long t1 = System.nanoTime();
        TenantSummary largest = fleet.stream().max(Comparator.comparingInt(TenantSummary::interactions)).orElseThrow();
        System.out.printf("generated %s: %d customers, %d products, %d interactions in %.2f s (%,d bytes interactions)%n",
                largest.tenant(), largest.customers(), largest.products(), largest.interactions(), (t1 - t0) / 1e9,
                Files.size(largest.directory().resolve(DataContract.INTERACTIONS)));
        for (int round = 1; round <= 6; round++) {
            long start = System.nanoTime();
            TenantDataset data = TenantDataReader.read(largest.tenant(), largest.directory());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("read %d: %d interactions in %.3f s = %,.0f rows/s%n", round, data.interactionCount(),
                    seconds, data.interactionCount() / seconds);
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
