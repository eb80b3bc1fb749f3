package io.nightbake.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The lookup API's distinct answers and its input validation, over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RecommendationApiTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
        // the lookup answers without access control; API keys are covered by ApiKeyAccessTest and AdminApiTest
        registry.add("nightbake.security.enabled", () -> "false");
    }

    @Autowired
    TenantRegistry tenants;
    @Autowired
    ServingService serving;
    @Autowired
    tools.jackson.databind.json.JsonMapper json;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;
    @LocalServerPort
    int port;

    /** Where the requests go: Spring's Tomcat here; the lean listener in front of it in the *LeanTest subclass. */
    protected int port() {
        return port;
    }

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void publish() {
        tenants.register(TenantId.of("acme"), TenantState.ON, "test", "test");
        tenants.register(TenantId.of("offco"), TenantState.OFF, "test", "test");
        tenants.register(TenantId.of("fresh"), TenantState.ON, "test", "test");
        serving.start();
        serving.index().swap("acme", TenantSnapshotIndex.builder("acme", "2026-10-31-p1").modelVersion(3)
                .runDate(LocalDate.of(2026, 10, 31)).builtAt(Instant.parse("2026-10-31T02:00:00Z"))
                .customer("c1").recommend("p9", 4.5).recommend("p2", 4.0).recommend("p7", 3.5)
                .customer("c2") // nothing cleared the threshold
                .build());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rankedListWithLimitModelVersionAndSnapshotDate() throws Exception {
        HttpResponse<String> r = get("/api/v1/tenants/acme/customers/c1/recommendations?limit=2");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"status\":\"OK\"", "\"productId\":\"p9\"", "\"productId\":\"p2\"", "\"modelVersion\":3",
                "\"snapshotDate\":\"2026-10-31\"").doesNotContain("p7");
        assertThat(r.body().indexOf("p9")).isLessThan(r.body().indexOf("p2"));
    }

    @Test
    void eachCaseHasItsOwnAnswer() throws Exception {
        HttpResponse<String> nothing = get("/api/v1/tenants/acme/customers/c2/recommendations");
        assertThat(nothing.statusCode()).isEqualTo(200);
        assertThat(nothing.body()).contains("\"status\":\"NOTHING_TO_RECOMMEND\"", "\"recommendations\":[]");

        HttpResponse<String> unknownCustomer = get("/api/v1/tenants/acme/customers/c404/recommendations");
        assertThat(unknownCustomer.statusCode()).isEqualTo(404);
        assertThat(unknownCustomer.body()).contains("\"error\":\"unknown_customer\"");

        HttpResponse<String> unknownTenant = get("/api/v1/tenants/nobody/customers/c1/recommendations");
        assertThat(unknownTenant.statusCode()).isEqualTo(404);
        assertThat(unknownTenant.body()).contains("\"error\":\"unknown_tenant\"");

        HttpResponse<String> off = get("/api/v1/tenants/offco/customers/c1/recommendations");
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(off.body()).contains("\"status\":\"TENANT_OFF\"", "\"recommendations\":[]");

        HttpResponse<String> unpublished = get("/api/v1/tenants/fresh/customers/c1/recommendations");
        assertThat(unpublished.statusCode()).isEqualTo(503);
        assertThat(unpublished.body()).contains("\"error\":\"not_published\"");
    }

    @Test
    void lookupsAreTimedByTheirAnswersStatus() throws Exception {
        long ok = lookups("200");
        long unknown = lookups("404");
        get("/api/v1/tenants/acme/customers/c1/recommendations");
        get("/api/v1/tenants/acme/customers/c2/recommendations");
        get("/api/v1/tenants/acme/customers/c404/recommendations");
        assertThat(lookups("200") - ok).isEqualTo(2);
        assertThat(lookups("404") - unknown).isEqualTo(1);
    }

    private long lookups(String status) {
        io.micrometer.core.instrument.Timer timer = meters.find(LookupTimers.NAME).tag("status", status).timer();
        return timer == null ? 0 : timer.count();
    }

    /** The answer as the controller built it before it wrote JSON straight from the index: the reference shape. */
    record Item(int rank, String productId, float score) {
    }

    record Recommendations(String tenant, String customer, String status, java.util.List<Item> recommendations,
                           Integer modelVersion, String snapshot, LocalDate snapshotDate, String arm, String recommendationId,
                           @com.fasterxml.jackson.annotation.JsonInclude(
                                   com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Integer available) {
    }

    @Test
    void answersAreByteForByteWhatSerialisingTheAnswerRecordGives() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(13);
        String[] products = {"p9", "prod-\"quoted\"", "produkt-ü-😀", "tab\tand\\backslash", "x"};
        TenantSnapshotIndex.Builder builder = TenantSnapshotIndex.builder("acme", "2026-11-01-p4").modelVersion(12)
                .runDate(LocalDate.of(2026, 11, 1));
        float[][] scores = new float[3][];
        for (int c = 0; c < 3; c++) {
            builder.customer("k" + c);
            scores[c] = new float[products.length];
            for (int r = 0; r < products.length; r++) {
                // awkward floats: tiny, huge, negative, many digits
                double score = switch (r % 5) {
                    case 0 -> random.nextDouble() * 1e-7;
                    case 1 -> random.nextDouble() * 1e9;
                    case 2 -> -random.nextDouble();
                    default -> random.nextDouble() * 10;
                };
                scores[c][r] = (float) score;
                builder.recommend(products[r], score);
            }
        }
        TenantSnapshotIndex index = builder.build();
        LookupAnswer answers = new LookupAnswer(json);
        for (int c = 0; c < 3; c++) {
            for (int limit : new int[] {1, 3, 20}) {
                java.util.List<Item> items = new java.util.ArrayList<>();
                for (int r = 0; r < Math.min(limit, products.length); r++) {
                    items.add(new Item(r + 1, products[r], scores[c][r]));
                }
                String expected = json.writeValueAsString(new Recommendations("acme", "k" + c, "OK", items, 12,
                        "2026-11-01-p4", LocalDate.of(2026, 11, 1), "champion", "nbr1.acme.2026-11-01-p4.12.champion",
                        limit > products.length ? products.length : null));
                assertThat(new String(answers.list("acme", "k" + c, index, c, limit),
                        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(expected);
            }
        }
        assertThat(new String(answers.withoutList("acme", "c\"1", "TENANT_OFF"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(json.writeValueAsString(new Recommendations("acme", "c\"1", "TENANT_OFF",
                        java.util.List.of(), null, null, null, null, null, null)));
        TenantSnapshotIndex empty = TenantSnapshotIndex.builder("acme", "s").customer("e").build();
        assertThat(new String(answers.list("acme", "e", empty, 0, 10), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(json.writeValueAsString(new Recommendations("acme", "e", "NOTHING_TO_RECOMMEND",
                        java.util.List.of(), 1, "s", LocalDate.EPOCH, "champion", "nbr1.acme.s.1.champion", 0)));
    }

    @Test
    void readinessIncludesTheServingIndex() throws Exception {
        HttpResponse<String> r = get("/actuator/health/readiness");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"servingIndex\"", "\"readinessState\"");
    }

    @Test
    void statusSaysWhichSnapshotIsServedAndWhenItWasBuilt() throws Exception {
        HttpResponse<String> r = get("/api/v1/tenants/acme/recommendations/status");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"published\":true", "\"snapshot\":\"2026-10-31-p1\"", "\"builtAt\":\"2026-10-31T02:00:00Z\"",
                "\"customers\":2");
        assertThat(get("/api/v1/tenants/fresh/recommendations/status").body()).contains("\"published\":false");
    }

    @Test
    void invalidInputGetsA400WithJsonAndNoStackTrace() throws Exception {
        for (String path : new String[] {
                "/api/v1/tenants/Bad!Tenant/customers/c1/recommendations",
                "/api/v1/tenants/acme/customers/c1/recommendations?limit=0",
                "/api/v1/tenants/acme/customers/c1/recommendations?limit=1001",
                "/api/v1/tenants/acme/customers/c1/recommendations?limit=ten",
                "/api/v1/tenants/acme/customers/%01/recommendations",
                "/api/v1/tenants/" + "a".repeat(64) + "/recommendations/status"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).startsWith("{\"error\":\"invalid_request\"").doesNotContain("Exception", "at io.");
        }
        HttpResponse<String> noSuchEndpoint = get("/api/v1/nothing-here");
        assertThat(noSuchEndpoint.statusCode()).isEqualTo(404);
        assertThat(noSuchEndpoint.body()).startsWith("{\"error\":");
    }
}
