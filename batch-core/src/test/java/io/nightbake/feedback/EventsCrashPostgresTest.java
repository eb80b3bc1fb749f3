package io.nightbake.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.batch.TenantDiscovery;
import io.nightbake.ops.Postgres;
import io.nightbake.retrain.data.FeedbackFiles;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * On PostgreSQL: events posted over HTTP to a `serve` child process, which is killed with SIGKILL right after the 2xx;
 * a restarted server gets the same batch again and counts it as duplicates; the next night finds every event exactly
 * once in the tenant's feedback files, in its training data and in the performance figures.
 */
class EventsCrashPostgresTest {

    private static final LocalDate NIGHT = LocalDate.of(2026, 10, 31);

    @TempDir
    Path home;

    @Test
    void acknowledgedEventsSurviveSigkillAndARepostCountsThemOnce() throws Exception {
        FleetSpec spec = FleetSpec.defaults().withTenants(2).withSeed(5).withLargestTenant(300, 60).withSmallestCustomers(200);
        new SyntheticFleetGenerator().generate(spec, home.resolve("tenants"));
        String schema = Postgres.newSchema();
        List<String> springArgs = Postgres.springArgs(schema);
        springArgs.addAll(List.of("--nightbake.home=" + home, "--nightbake.security.enabled=false",
                "--nightbake.feedback.max-age=3650d"));
        String customer;
        String recommendationId;
        List<String> products = new ArrayList<>();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(springArgs.toArray(String[]::new))) {
            context.getBean(TenantDiscovery.class).registerNewTenants();
            assertThat(context.getBean(NightlyLauncher.class).run(NIGHT).getStatus().name()).isEqualTo("COMPLETED");
        }
        String path = Postgres.strings(schema, "SELECT s.path FROM nb_snapshot s JOIN nb_published p ON p.tenant_id = s.tenant_id "
                + "AND p.snapshot_id = s.snapshot_id WHERE s.tenant_id = 'tenant-001'").get(0);
        String snapshotId = Postgres.strings(schema, "SELECT snapshot_id FROM nb_published WHERE tenant_id = 'tenant-001'").get(0);
        long version = Postgres.count(schema, "SELECT version FROM nb_champion WHERE tenant_id = 'tenant-001'");
        TenantSnapshotIndex index = TenantSnapshotIndex.load(Path.of(path), snapshotId, Instant.now());
        customer = index.anyCustomerId();
        TenantSnapshotIndex.Lookup list = index.lookup(customer, 10);
        for (int i = 0; i < list.size(); i++) {
            products.add(list.productId(i));
        }
        recommendationId = "nbr1.tenant-001." + snapshotId + "." + version + ".champion";

        // one batch: an impression of every listed product, a click on the first two, a purchase of the first
        Instant shown = NIGHT.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(3600);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < products.size(); i++) {
            events.add(event("imp-" + i, customer, products.get(i), "impression", shown, recommendationId, i + 1));
        }
        events.add(event("clk-0", customer, products.get(0), "click", shown.plusSeconds(5), recommendationId, 1));
        events.add(event("clk-1", customer, products.get(1), "click", shown.plusSeconds(6), recommendationId, 2));
        events.add(event("buy-0", customer, products.get(0), "purchase", shown.plusSeconds(60), recommendationId, 1));
        String body = "[" + String.join(",", events) + "]";

        HttpResponse<String> first = postToFreshServer(springArgs, body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("\"accepted\":" + events.size(), "\"duplicates\":0");
        assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_event")).isEqualTo(events.size());

        HttpResponse<String> again = postToFreshServer(springArgs, body);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.body()).contains("\"accepted\":0", "\"duplicates\":" + events.size());

        LocalDate nextNight = NIGHT.plusDays(1);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(springArgs.toArray(String[]::new))) {
            assertThat(context.getBean(NightlyLauncher.class).run(nextNight).getStatus().name()).isEqualTo("COMPLETED");
            Path tenantDir = home.resolve("tenants").resolve("tenant-001");
            List<FeedbackFiles.Record> records = FeedbackFiles.readAll(TenantId.of("tenant-001"), tenantDir);
            Map<String, Integer> seen = new HashMap<>();
            try (var files = Files.walk(tenantDir.resolve(FeedbackFiles.FOLDER))) {
                assertThat(files.filter(p -> p.toString().endsWith(".parquet")).count()).isEqualTo(1);
            }
            records.forEach(r -> seen.merge(r.event().eventId(), 1, Integer::sum));
            assertThat(seen).hasSize(events.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
            assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_event")).isZero();

            // the ratings tenant's training data: its clicks and purchases are not merged (see FeedbackMerge), the
            // impressions of the 9 products neither clicked nor bought become negatives, once each
            assertThat(TenantDataReader.read(TenantId.of("tenant-001"), tenantDir).negativeCount()).isEqualTo(products.size() - 2);

            PerformanceService.Performance performance = context.getBean(PerformanceService.class)
                    .of(TenantId.of("tenant-001"), nextNight, nextNight);
            assertThat(performance.versions()).singleElement().satisfies(v -> {
                assertThat(v.modelVersion()).isEqualTo((int) version);
                assertThat(v.impressions()).isEqualTo(products.size());
                assertThat(v.clicks()).isEqualTo(2);
                assertThat(v.purchases()).isEqualTo(1);
            });
        }
    }

    private static String event(String id, String customer, String product, String type, Instant time, String rid, int rank) {
        return "{\"eventId\":\"" + id + "\",\"customerId\":\"" + customer + "\",\"productId\":\"" + product + "\",\"type\":\""
                + type + "\",\"time\":\"" + time + "\",\"recommendationId\":\"" + rid + "\",\"rank\":" + rank + "}";
    }

    /** Starts `serve` in a child JVM, posts the batch once it answers, then SIGKILLs it (right after the 2xx). */
    private HttpResponse<String> postToFreshServer(List<String> springArgs, String body) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        for (String open : System.getProperty("nightbake.test.add-opens", "").split(" ")) {
            if (!open.isBlank()) {
                command.add(open);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.nightbake.NightbakeCli", "serve", "--no-schedule",
                "--server.port=" + port, "--server.address=127.0.0.1"));
        command.addAll(springArgs);
        File log = home.resolve("serve-" + port + ".log").toFile();
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            long deadline = System.currentTimeMillis() + 120_000;
            while (true) {
                assertThat(child.isAlive()).as("serve died, see %s", log).isTrue();
                assertThat(System.currentTimeMillis()).as("serve did not answer in time, see %s", log).isLessThan(deadline);
                try {
                    HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/v1/tenants/tenant-001/recommendations/status")).GET().build(), HttpResponse.BodyHandlers.ofString());
                    if (status.statusCode() == 200 && status.body().contains("\"published\":true")) {
                        break;
                    }
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/v1/tenants/tenant-001/events")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            child.destroyForcibly(); // SIGKILL, at once after the acknowledgement
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return answer;
        } finally {
            child.destroyForcibly();
        }
    }
}
