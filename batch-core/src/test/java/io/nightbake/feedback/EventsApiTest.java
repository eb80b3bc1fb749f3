package io.nightbake.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.retrain.data.FeedbackFiles;
import io.nightbake.retrain.data.ProductRow;
import io.nightbake.retrain.data.CustomerRow;
import io.nightbake.retrain.data.InteractionRow;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The events API over HTTP on H2: validation per event, idempotency, compaction, merge and performance figures. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EventsApiTest {

    private static final String SNAPSHOT = "2026-11-30-p1";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
        registry.add("nightbake.security.enabled", () -> "false");
    }

    @Autowired
    TenantRegistry tenants;
    @Autowired
    SnapshotRegistry snapshots;
    @Autowired
    ServingService serving;
    @Autowired
    FeedbackCompaction compaction;
    @Autowired
    EventStore store;
    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeEach
    void publish() {
        for (String t : List.of("acme", "other")) {
            if (tenants.find(TenantId.of(t)).isEmpty()) {
                tenants.register(TenantId.of(t), TenantState.ON, "test", "test");
                snapshots.publish(new Snapshot(TenantId.of(t), SNAPSHOT, LocalDate.of(2026, 11, 30), 2, home.resolve("x").toString(),
                        2, 4, Instant.parse("2026-11-30T02:00:00Z")), "test", "test");
            }
        }
        serving.start();
        serving.index().swap("acme", TenantSnapshotIndex.builder("acme", SNAPSHOT).modelVersion(2)
                .runDate(LocalDate.of(2026, 11, 30)).builtAt(Instant.parse("2026-11-30T02:00:00Z"))
                .customer("c1").recommend("p1", 4.5).recommend("p2", 4.0)
                .customer("c2").recommend("p2", 4.1).build());
        serving.index().swap("other", TenantSnapshotIndex.builder("other", SNAPSHOT).modelVersion(2)
                .runDate(LocalDate.of(2026, 11, 30)).builtAt(Instant.parse("2026-11-30T02:00:00Z"))
                .customer("c1").recommend("p1", 4.5).customer("c2").recommend("p2", 4.1).build());
    }

    private HttpResponse<String> post(String tenant, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/tenants/" + tenant + "/events"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String event(String id, String customer, String product, String type, Instant time, String extra) {
        return "{\"eventId\":\"" + id + "\",\"customerId\":\"" + customer + "\",\"productId\":\"" + product + "\",\"type\":\""
                + type + "\",\"time\":\"" + time + "\"" + extra + "}";
    }

    @Test
    void lookupAnswerCarriesTheRecommendationId() throws Exception {
        HttpResponse<String> r = get("/api/v1/tenants/acme/customers/c1/recommendations");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"recommendationId\":\"nbr1.acme." + SNAPSHOT + ".2.champion\"");
    }

    @Test
    void badEventsAreRejectedByFieldAndTheValidOnesAreStored() throws Exception {
        String rid = ",\"recommendationId\":\"nbr1.other." + SNAPSHOT + ".2.champion\",\"rank\":1";
        String body = "{\"events\":[" + String.join(",",
                event("ok-1", "c1", "p1", "impression", now.minusSeconds(60), rid),
                event("bad-type", "c1", "p1", "view", now, ""),
                event("bad-customer", "nobody", "p1", "click", now, ""),
                event("bad-foreign", "c1", "p1", "click", now, ",\"recommendationId\":\"nbr1.acme." + SNAPSHOT + ".2.champion\""),
                event("bad-snapshot", "c1", "p1", "click", now, ",\"recommendationId\":\"nbr1.other.2020-01-01-p9.2.champion\""),
                event("bad-nan", "c1", "p1", "rating", now, ",\"value\":NaN"),
                event("bad-1970", "c1", "p1", "click", Instant.parse("1970-01-01T00:00:00Z"), ""),
                event("bad-next-year", "c1", "p1", "click", now.plus(366, ChronoUnit.DAYS), ""),
                "{\"eventId\":\"bad-field\",\"customerId\":\"c1\",\"productId\":\"p1\",\"type\":\"click\",\"time\":\""
                        + now + "\",\"colour\":\"red\"}",
                event("ok-2", "c1", "p1", "click", now.minusSeconds(30), rid)) + "]}";
        HttpResponse<String> r = post("other", body);
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("\"received\":10", "\"accepted\":2", "\"duplicates\":0", "\"rejectedCount\":8",
                "\"error\":\"invalid_events\"",
                "{\"index\":1,\"eventId\":\"bad-type\",\"field\":\"type\"",
                "{\"index\":2,\"eventId\":\"bad-customer\",\"field\":\"customerId\"",
                "{\"index\":3,\"eventId\":\"bad-foreign\",\"field\":\"recommendationId\",\"reason\":\"belongs to another tenant",
                "{\"index\":4,\"eventId\":\"bad-snapshot\",\"field\":\"recommendationId\"",
                "{\"index\":5,\"eventId\":\"bad-nan\",\"field\":\"value\",\"reason\":\"must be finite",
                "{\"index\":6,\"eventId\":\"bad-1970\",\"field\":\"time\"",
                "{\"index\":7,\"eventId\":\"bad-next-year\",\"field\":\"time\",\"reason\":",
                "{\"index\":8,\"eventId\":\"bad-field\",\"field\":\"colour\"");
        assertThat(r.body()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void malformedOversizedAndUnknownTenantGetPreciseErrors() throws Exception {
        HttpResponse<String> malformed = post("acme", "{\"events\":[{\"eventId\":");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("\"error\":\"invalid_request\"", "not valid JSON");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(event("big-" + i, "c1", "p1", "impression", now, ""));
        }
        HttpResponse<String> big = post("acme", "[" + String.join(",", many) + "]");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("\"error\":\"batch_too_large\"", "1001", "at most 1000");
        HttpResponse<String> unknown = post("nosuch", "[" + event("x", "c1", "p1", "click", now, "") + "]");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("unknown_tenant");
        HttpResponse<String> notArray = post("acme", "{\"events\":{}}");
        assertThat(notArray.statusCode()).isEqualTo(400);
        assertThat(notArray.body()).contains("must be a JSON array of events");
    }

    @Test
    void concurrentRetriesCountEveryEventOnce() throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            events.add(event("retry-" + i, i % 2 == 0 ? "c1" : "c2", "p2", "impression", now.minusSeconds(10), ""));
        }
        String body = "[" + String.join(",", events) + "]";
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(pool.submit(() -> post("other", body)));
        }
        int accepted = 0;
        int duplicates = 0;
        for (Future<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            accepted += number(r.body(), "accepted");
            duplicates += number(r.body(), "duplicates");
        }
        pool.shutdown();
        assertThat(accepted).isEqualTo(200);
        assertThat(duplicates).isEqualTo(5 * 200);
    }

    @Test
    void compactionWritesDayFilesMergesIntoTrainingAndFeedsPerformance() throws Exception {
        TenantId acme = TenantId.of("acme");
        Path dir = home.resolve("tenants").resolve("acme");
        TenantDataWriter.write(dir, List.of(new CustomerRow("c1", null, null), new CustomerRow("c2", null, null)),
                List.of(new ProductRow("p1", true, null), new ProductRow("p2", true, null), new ProductRow("p3", true, null)),
                List.of(new InteractionRow("c1", "p3", 1.0, Instant.parse("2026-11-01T10:00:00Z"), "purchase"),
                        new InteractionRow("c2", "p3", 1.0, Instant.parse("2026-11-02T10:00:00Z"), "purchase")));
        String rid = ",\"recommendationId\":\"nbr1.acme." + SNAPSHOT + ".2.champion\"";
        Instant day = now.minus(2, ChronoUnit.DAYS);
        String body = "[" + String.join(",",
                event("m-1", "c1", "p1", "impression", day, rid + ",\"rank\":1"),
                event("m-2", "c1", "p2", "impression", day, rid + ",\"rank\":2"),
                event("m-3", "c1", "p1", "click", day.plusSeconds(5), rid + ",\"rank\":1"),
                event("m-4", "c1", "p1", "purchase", day.plusSeconds(50), rid + ",\"value\":2,\"rank\":1"),
                event("m-5", "c2", "p9", "click", day.plusSeconds(50), "")) + "]";
        assertThat(post("acme", body).statusCode()).isEqualTo(200);
        assertThat(post("acme", body).body()).contains("\"accepted\":0", "\"duplicates\":5");

        LocalDate runDate = LocalDate.ofInstant(now, java.time.ZoneOffset.UTC);
        FeedbackCompaction.Summary summary = compaction.compact(runDate);
        assertThat(summary.failures()).isEmpty();
        LocalDate eventDay = LocalDate.ofInstant(day, java.time.ZoneOffset.UTC);
        assertThat(FeedbackFiles.days(dir)).contains(eventDay);
        assertThat(FeedbackFiles.readDay(acme, dir, eventDay)).extracting(r -> r.event().eventId())
                .contains("m-1", "m-2", "m-3", "m-4", "m-5");
        assertThat(post("acme", body).body()).as("idempotent after compaction too").contains("\"accepted\":0");

        TenantDataset data = TenantDataReader.read(acme, dir);
        // 2 own purchases + the click and the purchase on p1 (p9 is not in products.parquet: dropped)
        assertThat(data.interactionCount()).isEqualTo(4);
        assertThat(data.negativeCount()).isEqualTo(1); // p2 shown to c1, neither clicked nor bought
        assertThat(data.productId(data.negativeProduct(0))).isEqualTo("p2");

        HttpResponse<String> performance = get("/api/v1/admin/tenants/acme/performance?from=" + eventDay + "&to=" + eventDay);
        assertThat(performance.statusCode()).isEqualTo(200);
        assertThat(performance.body()).contains("\"modelVersion\":2", "\"snapshotId\":\"" + SNAPSHOT + "\"", "\"arm\":\"champion\"",
                "\"impressions\":2", "\"clicks\":1", "\"purchases\":1", "\"ctr\":0.5", "\"conversion\":0.5");
        HttpResponse<String> own = get("/api/v1/tenants/acme/performance?from=" + eventDay + "&to=" + eventDay);
        assertThat(own.body()).isEqualTo(performance.body());
        HttpResponse<String> fleet = get("/api/v1/admin/fleet/health?days=3&to=" + runDate);
        assertThat(fleet.statusCode()).isEqualTo(200);
        assertThat(fleet.body()).contains("\"on\":2", "\"stateChanges\":0", "\"warnings\":[");

        // a corrupt feedback file fails that tenant's read with the file named
        Files.writeString(FeedbackFiles.dayFolder(dir, eventDay).resolve("part-zzz.parquet"), "not parquet");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TenantDataReader.read(acme, dir)))
                .hasMessageContaining("tenant 'acme'").hasMessageContaining("feedback/date=" + eventDay + "/part-zzz.parquet");
    }

    private static int number(String json, String field) {
        int at = json.indexOf("\"" + field + "\":") + field.length() + 3;
        int end = at;
        while (Character.isDigit(json.charAt(end))) {
            end++;
        }
        return Integer.parseInt(json.substring(at, end));
    }
}
