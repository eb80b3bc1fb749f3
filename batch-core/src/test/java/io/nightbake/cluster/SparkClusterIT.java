package io.nightbake.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.DataContract;
import io.nightbake.retrain.data.ProductRow;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole night on a real Spark standalone cluster (a Master and two Workers as separate JVMs on 127.0.0.1, the
 * executors getting Nightbake's code only from {@code nightbake-executor.jar}): the same champions, RMSEs and lists as
 * the same night in local mode, a broken tenant failing alone, a lost Worker during retraining costing nothing but a
 * retried task, and a night that cannot work on the cluster failing at its start, before any tenant, naming the setting.
 * Runs after {@code package} (it needs the executor jar), in the {@code verify} of the README's test command.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkClusterIT {

    private static final LocalDate NIGHT = LocalDate.of(2026, 10, 31);
    private static final int TENANTS = 40;
    private static final TenantId BROKEN = TenantId.of("tenant-007");
    private static final Path EXECUTOR_JAR = Path.of("target", "nightbake-executor.jar").toAbsolutePath();

    @TempDir
    static Path dir;
    private static Path fleet;
    private static LocalSparkCluster cluster;
    private static Night local;

    @BeforeAll
    static void startCluster() throws Exception {
        assertThat(EXECUTOR_JAR).as("the executor jar is built at `package`; run this test through `./mvnw verify`")
                .isRegularFile();
        fleet = dir.resolve("fleet");
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(TENANTS).withSeed(5)
                .withLargestTenant(400, 120).withSmallestCustomers(40), fleet);
        dropFirstProduct(fleet.resolve(BROKEN.value()).resolve(DataContract.PRODUCTS));
        cluster = LocalSparkCluster.start(dir.resolve("cluster"), EXECUTOR_JAR, 2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void clusterNightHasTheSameChampionsRmsesAndListsAsLocalMode() throws Exception {
        local = night("local", List.of("--nightbake.spark.cores=2", "--nightbake.retrain.threads=2"));
        assertThat(local.status).isEqualTo(BatchStatus.FAILED); // the broken tenant
        assertThat(local.failedRetrains).containsExactly(BROKEN.value());
        assertThat(local.champions).hasSize(TENANTS - 1);

        Night onCluster = night("cluster", clusterArgs());
        assertSameNight(onCluster, local);
    }

    @Test
    @Order(2)
    void unreachableMasterFailsTheNightBeforeAnyTenantNamingTheSetting() throws Exception {
        String unreachable = "spark://127.0.0.1:" + freePort();
        Night night = night("unreachable", List.of("--nightbake.spark.master=" + unreachable,
                "--nightbake.spark.executor-jar=" + EXECUTOR_JAR));
        assertNotStarted(night, "nightbake.spark.master=" + unreachable, "no Spark master answers at 127.0.0.1");
    }

    @Test
    @Order(3)
    void workersWithoutTheExecutorJarFailTheNightBeforeAnyTenant() throws Exception {
        List<String> args = new ArrayList<>(clusterArgs());
        args.replaceAll(a -> a.startsWith("--nightbake.spark.executor-jar=")
                ? "--nightbake.spark.executor-jar=local:" + dir.resolve("not-on-the-workers.jar") : a);
        Night night = night("no-jar", args);
        assertNotStarted(night, "executors cannot load Nightbake's classes", "nightbake.spark.executor-jar");
    }

    @Test
    @Order(4)
    void homeTheExecutorsCannotSeeFailsTheNightBeforeAnyTenant() throws Exception {
        // a relative nightbake.home: the driver's folder, but each executor resolves it in its own working folder
        Path relative = Path.of("./target/cluster-it-relative-home-" + ProcessHandle.current().pid());
        try {
            Night night = night(relative, clusterArgs());
            assertNotStarted(night, "nightbake.home=", relative.getFileName().toString(), "executors cannot use it");
        } finally {
            deleteTree(relative);
        }
    }

    @Test
    @Order(5)
    void losingAWorkerDuringRetrainingStillCompletesEveryTenantWithOneVersionEach() throws Exception {
        assertThat(local).as("runs after the local night").isNotNull();
        RetrainTaskWatcher.reset(cluster::killWorkerOf);
        Night night;
        int lostTasks;
        try {
            night = night("worker-lost", clusterArgs());
        } finally {
            lostTasks = RetrainTaskWatcher.failedTasks.get();
            RetrainTaskWatcher.reset(executor -> { });
        }
        assertSameNight(night, local);
        assertThat(lostTasks).as("retrain tasks lost with the killed worker, retried by Spark")
                .isPositive();
    }

    private static void assertSameNight(Night actual, Night expected) {
        assertThat(actual.status).isEqualTo(expected.status);
        assertThat(actual.failedRetrains).containsExactly(BROKEN.value());
        assertThat(actual.error).contains("tenant '" + BROKEN + "'", "products.parquet");
        assertThat(actual.champions.keySet()).isEqualTo(expected.champions.keySet());
        // one registration per version number: a retried task never registers twice
        assertThat(actual.versionsTonight).isEqualTo(expected.versionsTonight);
        for (String tenant : expected.champions.keySet()) {
            ModelVersion a = actual.champions.get(tenant);
            ModelVersion e = expected.champions.get(tenant);
            assertThat(a.version()).as("champion of %s", tenant).isEqualTo(e.version());
            assertThat(a.algorithm()).as("algorithm of %s", tenant).isEqualTo(e.algorithm());
            assertThat(a.challengerRmse()).as("RMSE of %s", tenant).isCloseTo(e.challengerRmse(), within(1e-9));
            assertThat(a.trainFingerprint()).as("training rows of %s", tenant).isEqualTo(e.trainFingerprint());
            Map<String, List<String>> lists = actual.lists.get(tenant);
            assertThat(lists).as("lists of %s", tenant).isEqualTo(expected.lists.get(tenant));
        }
    }

    private static void assertNotStarted(Night night, String... message) {
        assertThat(night.status).isEqualTo(BatchStatus.FAILED);
        assertThat(night.checkError).contains(message);
        assertThat(night.tenantPartitions).as("no tenant partition ran").isZero();
        assertThat(night.champions).isEmpty();
    }

    private static List<String> clusterArgs() {
        return List.of("--nightbake.spark.master=" + cluster.masterUrl(),
                "--nightbake.spark.executor-jar=" + EXECUTOR_JAR,
                "--nightbake.spark.conf.driver.host=127.0.0.1",
                "--nightbake.spark.conf.driver.bindAddress=127.0.0.1",
                "--nightbake.spark.conf.executor.memory=512m",
                "--nightbake.spark.conf.cores.max=2",
                // wait for both executors before the first job, so that both Workers get retrain tasks
                "--nightbake.spark.conf.scheduler.minRegisteredResourcesRatio=1.0",
                "--nightbake.spark.conf.extraListeners=" + RetrainTaskWatcher.class.getName(),
                "--nightbake.spark.check-timeout=60s");
    }

    /** What a night left: its status, failed tenants, champions, tonight's versions, published lists. */
    private record Night(BatchStatus status, List<String> failedRetrains, String error, String checkError,
                         long tenantPartitions, Map<String, ModelVersion> champions, Map<String, List<Integer>> versionsTonight,
                         Map<String, Map<String, List<String>>> lists) {
    }

    private static Night night(String name, List<String> args) throws Exception {
        return night(dir.resolve(name), args);
    }

    private static Night night(Path home, List<String> args) throws Exception {
        copyTree(fleet, home.resolve("tenants"));
        List<String> all = new ArrayList<>(List.of("--nightbake.home=" + home, "--nightbake.security.enabled=false"));
        all.addAll(args);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(all.toArray(String[]::new))) {
            JobExecution execution = context.getBean(NightlyLauncher.class).run(NIGHT);
            List<String> failed = new ArrayList<>();
            String error = null;
            String checkError = null;
            long tenantPartitions = 0;
            for (StepExecution step : execution.getStepExecutions()) {
                if (step.getStepName().equals("checkSpark")) {
                    checkError = step.getExitStatus().getExitDescription();
                }
                if (step.getStepName().contains(":")) {
                    tenantPartitions++;
                }
                if (step.getStepName().startsWith(NightlyJobConfig.RETRAIN_WORKER + ":")
                        && step.getStatus() != BatchStatus.COMPLETED) {
                    failed.add(step.getExecutionContext().getString(NightlyJobConfig.TENANT));
                    error = step.getExecutionContext().getString(NightlyJobConfig.ERROR, "");
                }
            }
            ModelRegistry models = context.getBean(ModelRegistry.class);
            SnapshotRegistry snapshots = context.getBean(SnapshotRegistry.class);
            Map<String, ModelVersion> champions = new TreeMap<>();
            Map<String, List<Integer>> versions = new TreeMap<>();
            Map<String, Map<String, List<String>>> lists = new TreeMap<>();
            for (var tenant : context.getBean(TenantRegistry.class).list()) {
                TenantId id = tenant.id();
                models.champion(id).ifPresent(c -> champions.put(id.value(), c));
                versions.put(id.value(), models.versions(id).stream().filter(v -> v.runDate().equals(NIGHT))
                        .map(ModelVersion::version).toList());
                snapshots.current(id).ifPresent(s -> lists.put(id.value(), lists(s)));
            }
            return new Night(execution.getStatus(), failed, error, checkError, tenantPartitions, champions, versions, lists);
        }
    }

    /** Every customer's list: product ids with scores rounded to 4 decimals (float scoring on other JVMs). */
    private static Map<String, List<String>> lists(Snapshot snapshot) {
        TenantSnapshotIndex index = TenantSnapshotIndex.load(Path.of(snapshot.path()), snapshot.snapshotId(), snapshot.builtAt());
        Map<String, List<String>> lists = new TreeMap<>();
        for (int c = 0; c < index.customerCount(); c++) {
            String customer = index.customerIdAt(c);
            TenantSnapshotIndex.Lookup lookup = index.lookup(customer, 1000);
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < lookup.size(); i++) {
                entries.add(lookup.productId(i) + String.format(java.util.Locale.ROOT, "@%.4f", lookup.score(i)));
            }
            lists.put(customer, entries);
        }
        return lists;
    }

    /** Rewrites the products file without the first product, which the interactions still name. */
    private static void dropFirstProduct(Path productsFile) {
        TenantDataset data = TenantDataReader.read(BROKEN, productsFile.getParent());
        List<ProductRow> rows = new ArrayList<>();
        for (int p = 1; p < data.productCount(); p++) {
            rows.add(new ProductRow(data.productId(p), data.productActive(p), data.productCategory(p)));
        }
        TenantDataWriter.writeProducts(productsFile, rows);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
