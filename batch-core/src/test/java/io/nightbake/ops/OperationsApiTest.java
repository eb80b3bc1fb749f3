package io.nightbake.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import io.nightbake.admin.ApiKeyService;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TestSnapshots;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The operator-facing answers that must never surprise: reruns of completed runs and unknown run ids (API and CLI),
 * health details only for operators, Tomcat's own errors as JSON under /api, and lookups that say how many entries
 * the customer has.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OperationsApiTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
    }

    @Autowired
    ApiKeyService keys;
    @Autowired
    NightlyLauncher launcher;
    @Autowired
    TenantRegistry tenants;
    @Autowired
    SnapshotRegistry snapshots;
    @Autowired
    ServingService serving;
    @Autowired
    io.nightbake.runs.RunsService runs;
    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Cli(int code, String out, String err) {
    }

    private static Cli cli(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--nightbake.home=" + home;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void rerunOfACompletedRunAndUnknownRunIdsAreToldApartFromWorkDone() throws Exception {
        String operator = keys.createOperatorKey("ops-runs", "test").key();
        // the other tests' tenants have no data: switched off, they cannot fail this night
        tenants.list().forEach(t -> tenants.setState(t.id(), TenantState.OFF, "test", "not part of this test"));
        JobExecution done = launcher.run(LocalDate.of(2026, 10, 1));
        assertThat(done.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        long runId = done.getJobInstance().getInstanceId();

        HttpResponse<String> rerun = send("POST", "/api/v1/admin/runs/" + runId + "/rerun", operator);
        assertThat(rerun.statusCode()).isEqualTo(409);
        assertThat(rerun.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        assertThat(rerun.body()).contains("\"error\":\"nothing_to_rerun\"", "completed");
        assertThat(launcher.latest(LocalDate.of(2026, 10, 1))).map(JobExecution::getId).contains(done.getId());

        for (String path : new String[] {"/api/v1/admin/runs/9999", "/api/v1/admin/runs/9999/rerun"}) {
            HttpResponse<String> unknown = send(path.endsWith("rerun") ? "POST" : "GET", path, operator);
            assertThat(unknown.statusCode()).as(path).isEqualTo(404);
            assertThat(unknown.body()).contains("\"error\":\"unknown_run\"", "no nightly run with id 9999");
        }
        HttpResponse<String> shown = send("GET", "/api/v1/admin/runs/" + runId, operator);
        assertThat(shown.body()).contains("\"runId\":" + runId, "\"attempts\":[{\"attemptId\":" + done.getId(),
                "\"failedTenants\":0").doesNotContain("jobExecutionId");

        Cli cliRerun = cli("rerun", "--run", Long.toString(runId));
        assertThat(cliRerun.code()).isNotZero();
        assertThat(cliRerun.err()).contains("nothing to rerun").doesNotContain("Exception");
        Cli cliUnknown = cli("runs", "--run", "9999");
        assertThat(cliUnknown.code()).isEqualTo(1);
        assertThat(cliUnknown.err().strip()).isEqualTo("error: no nightly run with id 9999; `runs` (or GET /api/v1/admin/runs) lists them");
        Cli noRun = cli("rerun");
        assertThat(noRun.code()).isEqualTo(2);
        assertThat(noRun.err()).contains("which run? give --run ID");
    }

    @Test
    void listingTenantsChangesNothingAndARetiredTenantStaysOff() throws Exception {
        Path newcomer = java.nio.file.Files.createDirectories(home.resolve("tenants").resolve("newcomer"));
        Cli listed = cli("tenants");
        java.nio.file.Files.delete(newcomer); // not a tenant of the other tests' nights
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("newcomer", "new data folder: the next night registers it");
        assertThat(tenants.find(TenantId.of("newcomer"))).isEmpty();

        TenantId leaving = TenantId.of("leaving-t");
        tenants.register(leaving, TenantState.ON, "test", "test");
        Cli retired = cli("retire-tenant", "--tenant", "leaving-t", "--reason", "contract ended");
        assertThat(retired.code()).as(retired.err()).isZero();
        assertThat(retired.out()).contains("retired", "stay on disk");
        assertThat(tenants.get(leaving).state()).isEqualTo(TenantState.OFF);
        assertThat(tenants.history(leaving)).last().extracting(c -> c.reason()).isEqualTo("retired: contract ended");
        String operator = keys.createOperatorKey("ops-retire", "test").key();
        HttpResponse<String> backOn = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/admin/tenants/leaving-t/state")).header("Authorization", "Bearer " + operator)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"state\":\"ON\",\"reason\":\"oops\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(backOn.statusCode()).isEqualTo(409);
        assertThat(backOn.body()).contains("\"error\":\"retired_tenant\"");
    }

    @Test
    void aTenantWithoutAModelIsNotReportedAsPrebaked() throws Exception {
        TenantId empty = TenantId.of("nomodel-t");
        Path folder = java.nio.file.Files.createDirectories(home.resolve("tenants").resolve("nomodel-t"));
        // the other tests' tenants have no data: switched off, they cannot fail this night
        tenants.list().forEach(t -> tenants.setState(t.id(), TenantState.OFF, "test", "not part of this test"));
        tenants.register(empty, TenantState.ON, "test", "a data folder without files");
        JobExecution night = launcher.run(LocalDate.of(2026, 9, 1));
        java.nio.file.Files.delete(folder);
        var run = runs.show(night.getJobInstance().getInstanceId());
        var line = run.tenants().stream().filter(l -> l.tenant().equals("nomodel-t")).findFirst().orElseThrow();
        assertThat(line.retrain().status()).isEqualTo("FAILED");
        assertThat(line.prebake().status()).isEqualTo("SKIPPED");
        assertThat(line.prebake().results().get("reason")).asString().contains("no champion yet");
        assertThat(run.failedTenants()).isEqualTo(1);
    }

    @Test
    void healthShowsItsDetailsToOperatorsOnly() throws Exception {
        String operator = keys.createOperatorKey("ops-health", "test").key();
        tenants.register(TenantId.of("health-t"), TenantState.ON, "test", "test");
        String tenantKey = keys.createTenantKey(TenantId.of("health-t"), "t", "test").key();

        HttpResponse<String> anonymous = send("GET", "/actuator/health", null);
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.body()).contains("\"status\":\"UP\"").doesNotContain("components", "nightlyRun", "details");
        assertThat(send("GET", "/actuator/health", tenantKey).body()).doesNotContain("components");
        assertThat(send("GET", "/actuator/health", "nbk_not-a-key").body()).doesNotContain("components");
        assertThat(send("GET", "/actuator/health", operator).body()).contains("components", "nightlyRun", "skippedNights");
    }

    @Test
    void errorsTomcatAnswersItselfAreJsonUnderApi() throws Exception {
        String operator = keys.createOperatorKey("ops-errors", "test").key();
        for (String path : new String[] {"/api/v1/tenants/a%2Fb/recommendations/status", "/api/v1/tenants/a%00b/recommendations/status",
                "/api/v1/tenants/%ff%fe/recommendations/status"}) {
            HttpResponse<String> answer = send("GET", path, operator);
            assertThat(answer.statusCode()).as(path).isEqualTo(400);
            assertThat(answer.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(t -> assertThat(t).contains("json"));
            assertThat(answer.body()).as(path).startsWith("{\"error\":\"invalid_request\"").doesNotContain("<html");
        }
    }

    @Test
    void aLimitAboveWhatTheCustomerHasSaysHowManyAreAvailable() throws Exception {
        String operator = keys.createOperatorKey("ops-limit", "test").key();
        TenantId tenant = TenantId.of("limit-t");
        tenants.register(tenant, TenantState.ON, "test", "test");
        LocalDate day = LocalDate.of(2026, 10, 2);
        Path file = TestSnapshots.write(home.resolve("snapshots/limit-t/s1/recommendations.parquet"), tenant.value(), 1, day,
                "c1", "p1", 0.9, "p2", 0.8);
        Snapshot snapshot = new Snapshot(tenant, "s1", day, 1, file.toString(), 1, 2, Instant.now());
        snapshots.publish(snapshot, "test", "test");
        serving.start();
        serving.published(snapshot);

        String many = send("GET", "/api/v1/tenants/limit-t/customers/c1/recommendations?limit=50", operator).body();
        assertThat(many).contains("\"productId\":\"p2\"", "\"available\":2");
        String few = send("GET", "/api/v1/tenants/limit-t/customers/c1/recommendations?limit=1", operator).body();
        assertThat(few).contains("\"productId\":\"p1\"").doesNotContain("available");
    }
}
