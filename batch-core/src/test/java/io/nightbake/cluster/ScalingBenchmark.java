package io.nightbake.cluster;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.synthetic.TenantSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * How the night grows with the fleet: one first night (every tenant ON, trained, prebaked, published) per fleet size,
 * fleets of the generator's default shape, in local mode, then one fleet on a two-Worker local Spark cluster. Prints
 * tenants, interactions, seconds per phase, seconds per 1,000 tenants and the publish phase's milliseconds per tenant,
 * and the machine. Not part of the test run (the class name matches no surefire include); run it with
 * <pre>
 * ./mvnw -B -ntp -o -pl batch-core -am package -Dtest=ScalingBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dbench.tenants=100,1000,4000,16000] [-Dbench.cluster-tenants=1000] [-Dbench.dir=target/scaling-bench]
 * </pre>
 * Fleets are generated once into {@code bench.dir} and reused. The figures are printed, never asserted.
 */
class ScalingBenchmark {

    private static final LocalDate NIGHT = LocalDate.of(2026, 10, 31);
    private static final List<String> PHASES = List.of("checkSpark", "discoverTenants", "retrain", "prebake", "publish");

    @Test
    void run() throws Exception {
        Path dir = Path.of(System.getProperty("bench.dir", "target/scaling-bench")).toAbsolutePath();
        List<Integer> sizes = new ArrayList<>();
        for (String n : System.getProperty("bench.tenants", "100,1000,4000,16000").split(",")) {
            sizes.add(Integer.parseInt(n.trim()));
        }
        int clusterTenants = Integer.parseInt(System.getProperty("bench.cluster-tenants", "1000"));
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "%-8s %7s %12s %8s %8s %8s %8s %8s %8s %10s %12s", "mode", "tenants",
                "interactions", "total s", "check", "discover", "retrain", "prebake", "publish", "s/1000 t",
                "publish ms/t"));
        for (int tenants : sizes) {
            rows.add(night("local", dir, tenants, List.of()));
            System.out.println(rows.get(rows.size() - 1));
        }
        if (clusterTenants > 0) {
            Path executorJar = Path.of("..", "executor", "target", "nightbake-executor.jar").toAbsolutePath().normalize();
            try (LocalSparkCluster cluster = LocalSparkCluster.start(Files.createTempDirectory("nightbake-bench-cluster"),
                    executorJar, 2)) {
                rows.add(night("cluster", dir, clusterTenants, List.of("--nightbake.spark.master=" + cluster.masterUrl(),
                        "--nightbake.spark.executor-jar=" + executorJar,
                        "--nightbake.spark.conf.driver.host=127.0.0.1", "--nightbake.spark.conf.driver.bindAddress=127.0.0.1",
                        "--nightbake.spark.conf.executor.memory=768m", "--nightbake.spark.conf.cores.max=2",
                        "--nightbake.spark.conf.scheduler.minRegisteredResourcesRatio=1.0")));
                System.out.println(rows.get(rows.size() - 1));
            }
        }
        System.out.printf(Locale.ROOT, "%nscaling benchmark, first night per fleet (%s, %d cores, %s, max heap %d MB)%n",
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), "Java " + Runtime.version(),
                Runtime.getRuntime().maxMemory() >> 20);
        rows.forEach(System.out::println);
    }

    private static String night(String mode, Path dir, int tenants, List<String> args) throws Exception {
        Path fleet = dir.resolve("fleet-" + tenants);
        long interactions = fleet(fleet, tenants);
        Path home = Files.createTempDirectory(dir, "home-" + mode + "-" + tenants + "-");
        Files.createSymbolicLink(home.resolve("tenants"), fleet);
        List<String> all = new ArrayList<>(List.of("--nightbake.home=" + home, "--nightbake.security.enabled=false",
                "--logging.level.io.nightbake=WARN"));
        all.addAll(args);
        long start = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(all.toArray(String[]::new))) {
            JobExecution execution = context.getBean(NightlyLauncher.class).run(NIGHT);
            for (StepExecution step : execution.getStepExecutions()) {
                if (PHASES.contains(step.getStepName()) && step.getStartTime() != null && step.getEndTime() != null) {
                    seconds.put(step.getStepName(), Duration.between(step.getStartTime(), step.getEndTime()).toMillis() / 1000.0);
                }
            }
        }
        double total = (System.nanoTime() - start) / 1e9;
        return String.format(Locale.ROOT, "%-8s %7d %12d %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %10.2f %12.2f", mode, tenants,
                interactions, total, seconds.getOrDefault("checkSpark", 0.0), seconds.getOrDefault("discoverTenants", 0.0),
                seconds.getOrDefault("retrain", 0.0), seconds.getOrDefault("prebake", 0.0),
                seconds.getOrDefault("publish", 0.0), total / tenants * 1000, seconds.getOrDefault("publish", 0.0) * 1000 / tenants);
    }

    /** Generates the fleet once (default shape, seed 1); returns its interactions. */
    private static long fleet(Path fleet, int tenants) throws Exception {
        Path count = fleet.resolveSibling(fleet.getFileName() + ".interactions");
        if (Files.exists(count)) {
            return Long.parseLong(Files.readString(count, StandardCharsets.UTF_8).trim());
        }
        List<TenantSummary> summaries = new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(tenants)
                .withSeed(1), fleet);
        long interactions = summaries.stream().mapToLong(TenantSummary::interactions).sum();
        Files.writeString(count, Long.toString(interactions), StandardCharsets.UTF_8);
        return interactions;
    }
}
