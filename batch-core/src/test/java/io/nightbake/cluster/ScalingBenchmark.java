package io.nightbake.cluster;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyJobConfig;
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
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * How the night grows with the fleet: one first night (every tenant ON, trained, prebaked, published) per fleet size,
 * fleets of the generator's default shape, in local mode, then one fleet on a two-Worker local Spark cluster. Prints
 * tenants, interactions, seconds per phase, seconds per 1,000 tenants and the publish phase's milliseconds per tenant,
 * and the machine. A 100-tenant night runs first, unprinted, so that no row pays the JVM's and Spark's warm-up.
 * {@code bench.local-spark-tenants} adds a local-mode row with retraining as Spark tasks
 * ({@code nightbake.retrain.executor=spark}) beside the thread pool's. Not part of the test run (the class name
 * matches no surefire include); run it with
 * <pre>
 * ./mvnw -B -ntp -o -pl batch-core -am package -Dtest=ScalingBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dbench.tenants=100,1000,4000,16000] [-Dbench.local-spark-tenants=1000] [-Dbench.cluster-tenants=1000] \
 *     [-Dbench.dir=target/scaling-bench]
 * </pre>
 * "bookkeeping ms/t" is a retrain partition's wall time minus its tenant's pipeline time (Spring Batch rows, registry
 * writes), averaged over the tenants; "publish ms/t" is the publish phase's wall time per tenant.
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
        int localSparkTenants = Integer.parseInt(System.getProperty("bench.local-spark-tenants", "1000"));
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "%-12s %7s %12s %8s %8s %8s %8s %8s %8s %10s %16s %12s", "mode", "tenants",
                "interactions", "total s", "check", "discover", "retrain", "prebake", "publish", "s/1000 t",
                "bookkeeping ms/t", "publish ms/t"));
        night("warm-up", dir, 100, List.of());
        for (int tenants : sizes) {
            rows.add(night("local", dir, tenants, List.of()));
            System.out.println(rows.get(rows.size() - 1));
        }
        if (localSparkTenants > 0) {
            rows.add(night("local-spark", dir, localSparkTenants, List.of("--nightbake.retrain.executor=spark")));
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
        double bookkeepingMillis = 0;
        int retrained = 0;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(all.toArray(String[]::new))) {
            JobExecution execution = context.getBean(NightlyLauncher.class).run(NIGHT);
            execution = context.getBean(JobRepository.class).getJobExecution(execution.getId()); // with the partitions
            for (StepExecution step : execution.getStepExecutions()) {
                if (step.getStartTime() == null || step.getEndTime() == null) {
                    continue;
                }
                long millis = Duration.between(step.getStartTime(), step.getEndTime()).toMillis();
                if (PHASES.contains(step.getStepName())) {
                    seconds.put(step.getStepName(), millis / 1000.0);
                } else if (mode.equals("local") // as Spark tasks a partition's times span the whole Spark job
                        && step.getStepName().startsWith(NightlyJobConfig.RETRAIN_WORKER + ":")
                        && step.getExecutionContext().containsKey("millis")) {
                    bookkeepingMillis += Math.max(0, millis - step.getExecutionContext().getLong("millis"));
                    retrained++;
                }
            }
        }
        double total = (System.nanoTime() - start) / 1e9;
        return String.format(Locale.ROOT, "%-12s %7d %12d %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %10.2f %16s %12.2f", mode,
                tenants, interactions, total, seconds.getOrDefault("checkSpark", 0.0),
                seconds.getOrDefault("discoverTenants", 0.0), seconds.getOrDefault("retrain", 0.0),
                seconds.getOrDefault("prebake", 0.0), seconds.getOrDefault("publish", 0.0), total / tenants * 1000,
                retrained == 0 ? "-" : String.format(Locale.ROOT, "%.2f", bookkeepingMillis / retrained),
                seconds.getOrDefault("publish", 0.0) * 1000 / tenants);
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
