package io.nightbake.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.DataContract;
import io.nightbake.retrain.data.ProductRow;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The nightly job end to end on the embedded defaults: a fleet of four tenants, one frozen, one off and one with
 * broken data. The broken tenant fails alone with a precise message and keeps its champion; the restart after the
 * data fix reruns that tenant only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class NightlyScenario {

    abstract Path home();

    private static final FleetSpec FLEET = FleetSpec.defaults().withTenants(4).withSeed(7).withLargestTenant(300, 120)
            .withSmallestCustomers(60);
    private static final LocalDate NIGHT_1 = LocalDate.of(2026, 10, 24);
    private static final LocalDate NIGHT_2 = LocalDate.of(2026, 10, 31);

    static void fleet(Path home, DynamicPropertyRegistry registry) {
        new SyntheticFleetGenerator().generate(FLEET, home.resolve("tenants"));
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.retrain.threads", () -> "2");
        // not a test of access control (ApiKeyAccessTest and AdminApiTest are): its readers call the API without keys
        registry.add("nightbake.security.enabled", () -> "false");
    }

    @Autowired
    NightlyLauncher launcher;
    @Autowired
    TenantRegistry tenants;
    @Autowired
    ModelRegistry models;
    @Autowired
    RunReport report;
    @Autowired
    SnapshotRegistry snapshots;
    @Autowired
    ServingService serving;
    @Autowired
    JobRepository jobRepository;
    @LocalServerPort
    int port;

    private final TenantId healthy = TenantId.of("tenant-001");
    private final TenantId frozen = TenantId.of("tenant-002");
    private final TenantId broken = TenantId.of("tenant-003");
    private final TenantId off = TenantId.of("tenant-004");

    @Test
    void brokenTenantFailsAloneFrozenAndOffAreSkippedAndRestartRerunsOnlyTheFailure() throws Exception {
        serving.start();
        JobExecution first = launcher.run(NIGHT_1);
        assertThat(first.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        for (TenantId t : List.of(healthy, frozen, broken, off)) {
            assertThat(models.champion(t)).as("champion of %s", t).map(ModelVersion::version).contains(1);
            assertThat(snapshots.current(t)).as("snapshot of %s", t).map(Snapshot::runDate).contains(NIGHT_1);
        }
        Snapshot healthyNight1 = snapshots.current(healthy).orElseThrow();
        Snapshot brokenNight1 = snapshots.current(broken).orElseThrow();

        tenants.setState(frozen, TenantState.FROZEN, "test", "freeze");
        tenants.setState(off, TenantState.OFF, "test", "switch off");
        Path products = home().resolve("tenants").resolve(broken.value()).resolve(DataContract.PRODUCTS);
        Path saved = home().resolve("products-backup.parquet");
        Files.copy(products, saved);
        dropFirstProduct(products);

        // readers hammer the API while the night publishes; each answer must be one whole snapshot's list
        String customer = TenantSnapshotIndex.load(Path.of(healthyNight1.path()), "s", healthyNight1.builtAt()).anyCustomerId();
        Readers readers = Readers.start(port, healthy.value(), customer, 3);
        JobExecution second = launcher.run(NIGHT_2);
        List<Readers.Answer> answers = readers.stop();
        assertThat(second.getStatus()).isEqualTo(BatchStatus.FAILED);
        Snapshot healthyNight2 = snapshots.current(healthy).orElseThrow();
        assertThat(healthyNight2.runDate()).isEqualTo(NIGHT_2);
        Map<String, List<String>> expected = Map.of(
                healthyNight1.snapshotId(), expectedList(healthyNight1, customer),
                healthyNight2.snapshotId(), expectedList(healthyNight2, customer));
        assertThat(answers).isNotEmpty().allSatisfy(answer -> {
            assertThat(answer.httpStatus()).isEqualTo(200);
            assertThat(expected).containsKey(answer.snapshot());
            assertThat(answer.products()).isEqualTo(expected.get(answer.snapshot()));
        });

        // the frozen tenant got fresh lists from its unchanged model; the off tenant is unpublished
        assertThat(snapshots.current(frozen)).map(Snapshot::runDate).contains(NIGHT_2);
        assertThat(snapshots.current(frozen)).map(Snapshot::modelVersion).contains(1);
        assertThat(snapshots.current(off)).isEmpty();
        assertThat(serving.index().get(off.value())).isNull();
        // the broken tenant failed alone and keeps serving its last good lists
        assertThat(snapshots.current(broken)).contains(brokenNight1);
        assertThat(serving.index().get(broken.value()).snapshotId()).isEqualTo(brokenNight1.snapshotId());
        Map<String, StepExecution> partitions = partitions(second);
        assertThat(partitions.keySet()).containsExactlyInAnyOrder(healthy.value(), broken.value());
        assertThat(partitions.get(healthy.value()).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        StepExecution failed = partitions.get(broken.value());
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(failed.getExecutionContext().getString(NightlyJobConfig.ERROR))
                .contains("tenant-003", DataContract.INTERACTIONS, "product_id");

        assertThat(models.versions(healthy)).hasSize(2);
        assertThat(models.versions(frozen)).hasSize(1);
        assertThat(models.versions(off)).hasSize(1);
        assertThat(models.versions(broken)).hasSize(1);
        assertThat(models.champion(broken)).map(ModelVersion::version).contains(1);

        RunReport.Run run = report.of(second);
        Map<String, RunReport.TenantLine> lines = run.tenants().stream()
                .collect(Collectors.toMap(RunReport.TenantLine::tenant, l -> l));
        assertThat(lines.get(frozen.value()).retrain()).isNull();
        assertThat(lines.get(off.value()).retrain()).isNull();
        assertThat(lines.get(broken.value()).detail()).contains("product_id");
        assertThat(lines.get(healthy.value()).gateMetric()).isEqualTo("rmse"); // the synthetic fleet holds ratings
        assertThat(lines.get(healthy.value()).challengerGate()).isEqualTo(lines.get(healthy.value()).challengerRmse());
        // the broken tenant failed in retrain and prebake: one failed tenant, not two
        assertThat(run.failedTenants()).isEqualTo(1);
        assertThat(run.status()).isEqualTo(BatchStatus.FAILED);
        assertThat(lines.get(frozen.value()).state()).isEqualTo("FROZEN");
        // night 1 shows the states the tenants had that night, not today's
        Map<String, RunReport.TenantLine> night1 = report.of(first).tenants().stream()
                .collect(Collectors.toMap(RunReport.TenantLine::tenant, l -> l));
        assertThat(night1.get(frozen.value()).state()).isEqualTo("ON");
        assertThat(night1.get(off.value()).state()).isEqualTo("ON");
        // the run report says what each tenant publishes and the ranking guard's verdict (issue 9)
        assertThat(lines.get(healthy.value()).publishedRanking()).isNotBlank();
        assertThat(lines.get(healthy.value()).rankingGuard()).isIn("passed", "popularity");

        Files.copy(saved, products, StandardCopyOption.REPLACE_EXISTING);
        JobExecution restart = launcher.run(NIGHT_2);
        assertThat(restart.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(restart.getJobInstance().getInstanceId()).isEqualTo(second.getJobInstance().getInstanceId());
        assertThat(partitions(restart).keySet()).containsExactly(broken.value());
        assertThat(models.versions(broken)).hasSize(2);
        assertThat(models.versions(healthy)).hasSize(2);
        assertThat(snapshots.current(broken)).map(Snapshot::runDate).contains(NIGHT_2);
        assertThat(snapshots.current(healthy)).contains(healthyNight2);
        assertThat(prebaked(jobRepository.getJobExecution(restart.getId()))).containsExactly(broken.value());
        // the run's header follows its latest attempt: asked by its first (failed) attempt, it says COMPLETED
        RunReport.Run rerun = report.of(second);
        assertThat(rerun.status()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(rerun.failedTenants()).isZero();
        assertThat(rerun.attempts()).extracting(RunReport.Attempt::status).containsExactly("FAILED", "COMPLETED");
        assertThat(RunReport.format(rerun)).startsWith("nightly run " + NIGHT_2 + " (run " + rerun.runId() + ", 2 attempts");

        // rollback serves the previous snapshot again
        snapshots.rollback(healthy, "test", "bad lists");
        serving.refresh();
        assertThat(serving.index().get(healthy.value()).snapshotId()).isEqualTo(healthyNight1.snapshotId());

        JobExecution again = launcher.run(NIGHT_2);
        assertThat(again.getId()).isEqualTo(restart.getId());
    }

    /** Rewrites the products file without the first product, which the interactions still reference. */
    private static void dropFirstProduct(Path productsFile) {
        TenantDataset data = TenantDataReader.read(TenantId.of("tenant-003"), productsFile.getParent());
        List<ProductRow> rows = new ArrayList<>();
        for (int p = 1; p < data.productCount(); p++) {
            rows.add(new ProductRow(data.productId(p), data.productActive(p), data.productCategory(p)));
        }
        TenantDataWriter.writeProducts(productsFile, rows);
    }

    private static List<String> expectedList(Snapshot snapshot, String customer) {
        TenantSnapshotIndex.Lookup lookup = TenantSnapshotIndex.load(Path.of(snapshot.path()), snapshot.snapshotId(),
                snapshot.builtAt()).lookup(customer, 1000);
        List<String> products = new ArrayList<>();
        for (int i = 0; i < lookup.size(); i++) {
            products.add(lookup.productId(i));
        }
        return products;
    }

    /** Tenants whose prebake partition ran in this attempt. */
    private static List<String> prebaked(JobExecution execution) {
        return execution.getStepExecutions().stream()
                .filter(s -> s.getStepName().startsWith(NightlyJobConfig.PREBAKE_WORKER + ":"))
                .map(s -> s.getExecutionContext().getString(NightlyJobConfig.TENANT)).toList();
    }

    private static Map<String, StepExecution> partitions(JobExecution execution) {
        return execution.getStepExecutions().stream()
                .filter(s -> s.getStepName().startsWith(NightlyJobConfig.RETRAIN_WORKER + ":"))
                .collect(Collectors.toMap(s -> s.getExecutionContext().getString(NightlyJobConfig.TENANT), s -> s));
    }
}
