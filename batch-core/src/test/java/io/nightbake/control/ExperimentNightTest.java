package io.nightbake.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.experiment.ArmTable;
import io.nightbake.experiment.Experiment;
import io.nightbake.experiment.ExperimentNight;
import io.nightbake.experiment.ExperimentRegistry;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.serving.ServingService;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Automatic control through real nights: a tenant switched to bandit mode gets an experiment when its challenger comes
 * within the margin, the night publishes one snapshot whose lists come from each customer's arm (the arm column and the
 * arm table agree with the stable hash, and lookups name the arm), KPI counts move the shares, a night whose arm fails
 * to prebake publishes nothing half-done, and an operator stops the experiment through the admin API.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ExperimentNightTest {

    @TempDir
    static Path home;

    private static final LocalDate NIGHT_1 = LocalDate.of(2026, 10, 24);
    private static final LocalDate NIGHT_2 = LocalDate.of(2026, 10, 31);
    private static final LocalDate NIGHT_3 = NIGHT_2.plusDays(1);
    private static final LocalDate NIGHT_4 = NIGHT_2.plusDays(2);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(2).withSeed(7).withLargestTenant(300, 120)
                .withSmallestCustomers(80), home.resolve("tenants"));
        Path template = home.resolve("template.yaml");
        // every challenger qualifies (margin 100 RMSE), so the test does not hang on whether this one beats the gate
        Files.writeString(template, """
                control:
                  mode: manual
                  offline-gate-margin: 100
                  baseline-share: 0.2
                """);
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.template", template::toString);
        registry.add("nightbake.retrain.threads", () -> "2");
        registry.add("nightbake.security.enabled", () -> "false");
    }

    @Autowired
    NightlyLauncher launcher;
    @Autowired
    ModelRegistry models;
    @Autowired
    SnapshotRegistry snapshots;
    @Autowired
    ServingService serving;
    @Autowired
    ControlService control;
    @Autowired
    ExperimentRegistry experiments;
    @Autowired
    DataSource dataSource;
    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = new JsonMapper();
    private final TenantId tested = TenantId.of("tenant-001");
    private final TenantId manual = TenantId.of("tenant-002");

    @Test
    void banditTenantServesArmsByTheStableHashAndNothingIsHalfPublished() throws Exception {
        serving.start();
        assertThat(launcher.run(NIGHT_1).getStatus()).isEqualTo(BatchStatus.COMPLETED);

        HttpResponse<String> bad = post("/api/v1/admin/tenants/tenant-001/control", "{\"mode\":\"thompson\",\"reason\":\"x\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("mode", "manual, ab, bandit");
        HttpResponse<String> set = post("/api/v1/admin/tenants/tenant-001/control",
                "{\"mode\":\"bandit\",\"reason\":\"client opted in\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);

        // night 2: tonight's challenger is held for the experiment and both arms (and the baseline group) are baked
        assertThat(launcher.run(NIGHT_2).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        Experiment experiment = experiments.running(tested).orElseThrow();
        assertThat(experiment.startedOn()).isEqualTo(NIGHT_2);
        assertThat(experiment.championVersion()).isEqualTo(1);
        assertThat(models.champion(tested).orElseThrow().version()).isEqualTo(1);
        Snapshot night2 = snapshots.current(tested).orElseThrow();
        ArmTable arms2 = snapshots.arms(night2);
        assertThat(arms2).isEqualTo(experiment.armTable(0.5));
        assertThat(arms2.arms()).extracting(ArmTable.Arm::modelVersion)
                .containsExactly(1, experiment.challengerVersion(), 0);
        Map<String, String> armOf = assertListsFollowTheTable(night2, arms2);
        // the served snapshot is the champion's, whichever arm its first customer is in
        assertThat(serving.index().get(tested.value()).modelVersion()).isEqualTo(1);
        assertThat(get("/api/v1/tenants/tenant-001/recommendations/status").get("modelVersion").asInt()).isEqualTo(1);
        assertThat(new LinkedHashSet<>(armOf.values())).containsExactlyInAnyOrder(
                experiment.championArm(), experiment.challengerArm(), experiment.baselineArm());
        for (String customer : armOf.keySet().stream().limit(20).toList()) {
            JsonNode answer = get("/api/v1/tenants/tenant-001/customers/" + customer + "/recommendations");
            assertThat(answer.get("arm").asString()).isEqualTo(armOf.get(customer));
            assertThat(answer.get("modelVersion").asInt()).isEqualTo(arms2.arm(armOf.get(customer)).modelVersion());
        }
        // the manual tenant serves its champion to everybody
        Snapshot plain = snapshots.current(manual).orElseThrow();
        assertThat(snapshots.arms(plain)).isEqualTo(ArmTable.championOnly(plain.modelVersion()));
        String someone = RecommendationsFile.read(Path.of(plain.path())).get(0).customerId();
        assertThat(get("/api/v1/tenants/tenant-002/customers/" + someone + "/recommendations").get("arm").asString())
                .isEqualTo("champion");

        // a rerun of the night's control step decides nothing again: same table, nobody reshuffled
        control.night(NIGHT_2);
        assertThat(control.armsFor(tested, NIGHT_2)).contains(arms2);
        assertThat(experiments.nights(experiment.id())).hasSize(1);

        // ground truth for the day after night 2: the challenger clicks four times as often
        new Jdbc(dataSource).inTransaction(c -> Jdbc.update(c, "INSERT INTO nb_feedback_daily (tenant_id, event_date, arm, model_version, impressions, clicks, purchases, snapshot_id, ratings) VALUES "
                        + "(?, ?, ?, 1, 1000, 20, 2, 's', 0), (?, ?, ?, ?, 1000, 80, 9, 's', 0), (?, ?, ?, 0, 500, 5, 1, 's', 0)",
                tested.value(), java.sql.Date.valueOf(NIGHT_3), experiment.championArm(),
                tested.value(), java.sql.Date.valueOf(NIGHT_3), experiment.challengerArm(), experiment.challengerVersion(),
                tested.value(), java.sql.Date.valueOf(NIGHT_3), experiment.baselineArm()));
        assertThat(launcher.run(NIGHT_3).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        ExperimentNight decided = experiments.night(experiment.id(), NIGHT_3).orElseThrow();
        assertThat(decided.outcome()).isEqualTo(Experiment.Outcome.CONTINUE);
        assertThat(decided.challengerShare()).isGreaterThan(0.9);
        Snapshot night3 = snapshots.current(tested).orElseThrow();
        ArmTable arms3 = snapshots.arms(night3);
        Map<String, String> armOf3 = assertListsFollowTheTable(night3, arms3);
        for (Map.Entry<String, String> e : armOf.entrySet()) {
            String later = armOf3.get(e.getKey());
            if (e.getValue().equals(experiment.baselineArm()) || experiment.baselineArm().equals(later)) {
                assertThat(later).as("the baseline group never moves").isEqualTo(e.getValue());
            } else if (!later.equals(e.getValue())) {
                assertThat(later).as("customers only move to the arm that gained").isEqualTo(experiment.challengerArm());
            }
        }

        JsonNode view = get("/api/v1/admin/tenants/tenant-001/experiment");
        assertThat(view.get("mode").asString()).isEqualTo("bandit");
        JsonNode detail = view.get("experiment");
        assertThat(detail.get("status").asString()).isEqualTo("RUNNING");
        assertThat(detail.get("daysRunning").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(detail.get("arms")).hasSize(3);
        JsonNode challenger = detail.get("arms").get(1);
        assertThat(challenger.get("impressions").asLong()).isEqualTo(1000);
        assertThat(challenger.get("kpi").asDouble()).isEqualTo(0.08);
        assertThat(challenger.get("kpiLow").asDouble()).isLessThan(0.08);
        assertThat(challenger.get("upliftOverBaseline").asDouble()).isCloseTo(7.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(detail.get("nights")).hasSize(2);

        // night 4 crashes in the challenger's prebake (its model files are gone): nothing of it is published
        Path challengerDir = Path.of(models.find(tested, experiment.challengerVersion()).orElseThrow().artifactPath());
        try (Stream<Path> files = Files.walk(challengerDir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertThat(launcher.run(NIGHT_4).getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(snapshots.current(tested)).contains(night3);
        assertThat(snapshots.arms(night3)).isEqualTo(arms3);
        assertThat(serving.index().get(tested.value()).snapshotId()).isEqualTo(night3.snapshotId());
        assertThat(snapshots.current(manual).orElseThrow().runDate()).isEqualTo(NIGHT_4);

        // an operator stops it: the champion takes all traffic from the next prebake on
        assertThat(post("/api/v1/admin/tenants/tenant-001/experiment/stop", "{}").statusCode()).isEqualTo(400);
        HttpResponse<String> stopped = post("/api/v1/admin/tenants/tenant-001/experiment/stop",
                "{\"reason\":\"client complaint\"}");
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
        JsonNode after = json.readTree(stopped.body()).get("experiment");
        assertThat(after.get("decision").asString()).isEqualTo("STOPPED");
        assertThat(after.get("lineage").asString()).contains("STOPPED", "client complaint");
        assertThat(post("/api/v1/admin/tenants/tenant-001/experiment/stop", "{\"reason\":\"again\"}").statusCode())
                .isEqualTo(409);
        assertThat(control.armsFor(tested, NIGHT_4)).isEmpty();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/admin/tenants/nobody/experiment")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    /** Every customer's rows come from one arm, the one the table's hash assigns, with that arm's model version. */
    private static Map<String, String> assertListsFollowTheTable(Snapshot snapshot, ArmTable table) {
        Map<String, String> armOf = new HashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (RecommendationsFile.Row row : RecommendationsFile.read(Path.of(snapshot.path()))) {
            ArmTable.Arm expected = table.armFor(row.customerId());
            assertThat(row.arm()).as("arm of %s", row.customerId()).isEqualTo(expected.name());
            assertThat(row.modelVersion()).isEqualTo(expected.modelVersion());
            String before = armOf.put(row.customerId(), row.arm());
            assertThat(before == null || before.equals(row.arm())).isTrue();
            seen.add(row.customerId());
        }
        assertThat(seen).hasSize((int) snapshot.customers());
        return armOf;
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
