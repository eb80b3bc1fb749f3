package io.nightbake.serving.lean;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.admin.ApiKeyService;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Everything that is not a lookup goes through the lean listener to Spring's Tomcat and comes back as Tomcat answered
 * it: the admin API, a POST with a body (events), the console and its assets, actuator, absolute URLs that name the
 * public port; in HTTP/1.1 order on one kept-alive connection, pipelined requests included.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LeanForwardingTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
        // as serve runs Tomcat behind the listener
        registry.add("server.forward-headers-strategy", () -> "native");
    }

    @Autowired
    TenantRegistry tenants;
    @Autowired
    ServingService serving;
    @Autowired
    ApiKeyService keyService;
    @Autowired
    ApplicationContext context;
    @LocalServerPort
    int tomcat;

    static String operator;

    @BeforeAll
    static void forget() {
        operator = null;
    }

    @BeforeEach
    void fleet() {
        tenants.register(TenantId.of("acme"), TenantState.ON, "test", "test");
        serving.start();
        serving.index().swap("acme", TenantSnapshotIndex.builder("acme", "2026-10-31-p1").modelVersion(3)
                .runDate(LocalDate.of(2026, 10, 31)).customer("c1").recommend("p9", 4.5).recommend("p2", 4.0).build());
        if (operator == null) {
            operator = keyService.createOperatorKey("ops", "test").key();
        }
    }

    private int lean() {
        return LeanTestServer.inFront(context).port();
    }

    @Test
    void theAdminApiTheConsoleAndActuatorAnswerThroughTheListenerAsTomcatAnswersThem() throws Exception {
        String[] key = {"Authorization", "Bearer " + operator};
        for (String target : new String[] {"/api/v1/admin/tenants", "/api/v1/admin/tenants/acme", "/api/v1/whoami",
                "/api/v1/tenants/acme/recommendations/status", "/", "/console.js", "/console.css",
                "/actuator/health/readiness", "/actuator/health/liveness", "/api/v1/nothing-here",
                "/no-such-page", "/api/v1/tenants/acme/customers/c1/recommendations/"}) {
            RawHttp.Answer direct = RawHttp.get(tomcat, target, key);
            RawHttp.Answer proxied = RawHttp.get(lean(), target, key);
            assertThat(proxied.comparable()).as(target).isEqualTo(direct.comparable());
        }
        // the full health (disk space changes between two calls): the same components
        assertThat(RawHttp.get(lean(), "/actuator/health", key).body()).contains("\"servingIndex\"", "\"db\"");
        RawHttp.Answer console = RawHttp.get(lean(), "/");
        assertThat(console.status()).isEqualTo(200);
        assertThat(console.contentType()).startsWith("text/html");
        assertThat(RawHttp.get(lean(), "/api/v1/admin/tenants").status()).isEqualTo(401);
        RawHttp.Answer metrics = RawHttp.get(lean(), "/actuator/prometheus", key);
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        // HEAD: headers without a body
        RawHttp.Answer head = RawHttp.send(lean(), "HEAD", "/console.js", null);
        assertThat(head.status()).isEqualTo(200);
    }

    @Test
    void aPostWithABodyReachesSpringAndItsAnswerComesBack() throws Exception {
        String event = "{\"events\":[{\"eventId\":\"lean-1\",\"customerId\":\"c1\",\"productId\":\"p9\",\"type\":\"click\","
                + "\"time\":\"2026-10-30T14:05:00Z\",\"recommendationId\":\"nbr1.acme.2026-10-31-p1.3.champion\",\"rank\":1}]}";
        String[] headers = {"Authorization", "Bearer " + operator, "Content-Type", "application/json"};
        RawHttp.Answer first = RawHttp.send(lean(), "POST", "/api/v1/tenants/acme/events", event, headers);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("\"received\":1", "\"accepted\":1");
        // stored by Spring: the same event again is a duplicate, through either port
        RawHttp.Answer again = RawHttp.send(tomcat, "POST", "/api/v1/tenants/acme/events", event, headers);
        assertThat(again.body()).contains("\"duplicates\":1");
        // a large body streams through (not aggregated) and gets Spring's answer
        StringBuilder many = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 20_000; i++) {
            many.append(i == 0 ? "" : ",").append("{\"eventId\":\"bulk-").append(i).append("\",\"customerId\":\"c1\"}");
        }
        String big = many.append("]}").toString();
        assertThat(big.length()).isGreaterThan(500_000);
        RawHttp.Answer bulkDirect = RawHttp.send(tomcat, "POST", "/api/v1/tenants/acme/events", big, headers);
        RawHttp.Answer bulkProxied = RawHttp.send(lean(), "POST", "/api/v1/tenants/acme/events", big, headers);
        assertThat(bulkProxied.comparable()).isEqualTo(bulkDirect.comparable());
    }

    @Test
    void absoluteUrlsNameThePublicPort() throws Exception {
        RawHttp.Answer docs = RawHttp.get(lean(), "/v3/api-docs"); // Host: localhost, no port
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.body()).contains("http://localhost:" + lean()).doesNotContain(":" + tomcat);
    }

    @Test
    void oneKeptAliveConnectionAnswersInOrderPipelinedRequestsIncluded() throws Exception {
        String key = "Bearer " + operator;
        String lookup = "/api/v1/tenants/acme/customers/c1/recommendations?limit=1";
        try (RawHttp http = new RawHttp(lean())) {
            for (int round = 0; round < 3; round++) {
                http.write("GET", lookup, null, false, "Authorization", key);
                assertThat(http.read().body()).contains("\"productId\":\"p9\"");
                http.write("GET", "/api/v1/admin/tenants/acme", null, false, "Authorization", key);
                assertThat(http.read().body()).contains("\"tenant\":\"acme\"");
            }
            // five requests written at once: answers in the order asked, lookups waiting behind forwarded ones
            http.write("GET", "/api/v1/admin/tenants/acme", null, false, "Authorization", key);
            http.write("GET", lookup, null, false, "Authorization", key);
            http.write("GET", "/console.js", null, false);
            http.write("GET", "/api/v1/tenants/acme/customers/nobody/recommendations", null, false, "Authorization", key);
            http.write("GET", "/actuator/health/liveness", null, false);
            assertThat(http.read().body()).contains("\"tenant\":\"acme\"");
            assertThat(http.read().body()).contains("\"productId\":\"p9\"");
            assertThat(http.read().contentType()).contains("javascript");
            assertThat(http.read().body()).contains("unknown_customer");
            assertThat(http.read().body()).contains("UP");
            // a POST with a body waiting behind a forwarded request: its body follows it once it is its turn
            String event = "{\"events\":[{\"eventId\":\"piped-1\",\"customerId\":\"c1\",\"productId\":\"p9\","
                    + "\"type\":\"click\",\"time\":\"2026-10-30T14:05:00Z\"}]}";
            http.write("GET", "/api/v1/admin/tenants/acme", null, false, "Authorization", key);
            http.write("POST", "/api/v1/tenants/acme/events", event, false, "Authorization", key, "Content-Type",
                    "application/json");
            http.write("GET", lookup, null, false, "Authorization", key);
            assertThat(http.read().body()).contains("\"tenant\":\"acme\"");
            assertThat(http.read().body()).contains("\"received\":1");
            assertThat(http.read().body()).contains("\"productId\":\"p9\"");
        }
    }
}
