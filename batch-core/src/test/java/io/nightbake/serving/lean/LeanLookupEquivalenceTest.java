package io.nightbake.serving.lean;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.admin.ApiKeyService;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
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
 * The lean listener's own answers equal Spring MVC's, byte for byte (status, content type, authentication challenge,
 * body), for every case of the lookup API, with security on (no key, a malformed key, the tenant's key, another
 * tenant's key, an operator key). The listener under test has no back end: a request it would forward answers 503
 * {@code starting}, so any case it does not answer itself fails here.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LeanLookupEquivalenceTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
        registry.add("nightbake.security.refresh-millis", () -> "3600000");
    }

    @Autowired
    TenantRegistry tenants;
    @Autowired
    ServingService serving;
    @Autowired
    ApplicationContext context;
    @Autowired(required = false)
    ApiKeyService keyService;
    @LocalServerPort
    int mvcPort;

    static List<String[]> credentials;

    /** Keys belong to one application context: each test class makes its own. */
    @org.junit.jupiter.api.BeforeAll
    static void forgetKeys() {
        credentials = null;
    }

    boolean secured() {
        return true;
    }

    @BeforeEach
    void fleet() {
        tenants.register(TenantId.of("acme"), TenantState.ON, "test", "test");
        tenants.register(TenantId.of("globex"), TenantState.ON, "test", "test");
        tenants.register(TenantId.of("offco"), TenantState.OFF, "test", "test");
        tenants.register(TenantId.of("fresh"), TenantState.ON, "test", "test");
        serving.start();
        serving.index().swap("acme", TenantSnapshotIndex.builder("acme", "2026-10-31-p1").modelVersion(3)
                .runDate(LocalDate.of(2026, 10, 31)).builtAt(Instant.parse("2026-10-31T02:00:00Z"))
                .customer("c1").recommend("p9", 4.5).recommend("prod-\"quoted\"", 1e-7).recommend("produkt-ü-😀", -0.3)
                .recommend("tab\tand\\backslash", 123456789.0).recommend("ctl\u0001\u001f/x", 3.0000001)
                .customer("c2")
                .customer("kü \"q\"").recommend("p1", 0.1)
                .customer("c+1").recommend("p2", 1.0f / 3)
                .customer("c1;x").recommend("p3", 2.5)
                .customer("A".repeat(256)).recommend("p4", 1.0)
                .build());
        serving.index().swap("globex", TenantSnapshotIndex.builder("globex", "2026-10-31-p2").modelVersion(1)
                .runDate(LocalDate.of(2026, 10, 31)).customer("g1").recommend("secret-product", 9.0).build());
        if (credentials == null) {
            credentials = new ArrayList<>();
            credentials.add(new String[0]);
            if (secured()) {
                credentials.add(new String[] {"Authorization", "Bearer nonsense"});
                credentials.add(new String[] {"Authorization", "bearer " + keyService.createTenantKey(TenantId.of("acme"), "acme-crm", "test").key()});
                credentials.add(new String[] {"X-Api-Key", keyService.createTenantKey(TenantId.of("globex"), "globex-crm", "test").key()});
                credentials.add(new String[] {"Authorization", "Bearer " + keyService.createOperatorKey("ops", "test").key()});
                credentials.add(new String[] {"Authorization", "Basic abc"});
            }
        }
    }

    static final String L = "/api/v1/tenants/";

    static final List<String> TARGETS = List.of(
            L + "acme/customers/c1/recommendations",
            L + "acme/customers/c1/recommendations?limit=2",
            L + "acme/customers/c1/recommendations?limit=20",
            L + "acme/customers/c1/recommendations?limit=1000",
            L + "acme/customers/c1/recommendations?limit=0",
            L + "acme/customers/c1/recommendations?limit=1001",
            L + "acme/customers/c1/recommendations?limit=ten",
            L + "acme/customers/c1/recommendations?limit=",
            L + "acme/customers/c1/recommendations?limit",
            L + "acme/customers/c1/recommendations?limit=%2B3",
            L + "acme/customers/c1/recommendations?limit=+3",
            L + "acme/customers/c1/recommendations?limit=%33",
            L + "acme/customers/c1/recommendations?limit=2&limit=3",
            L + "acme/customers/c1/recommendations?other=x&limit=1",
            L + "acme/customers/c1/recommendations?",
            L + "acme/customers/c2/recommendations",
            L + "acme/customers/c404/recommendations",
            L + "nobody/customers/c1/recommendations",
            L + "offco/customers/c1/recommendations",
            L + "offco/customers/c1/recommendations?limit=0",
            L + "fresh/customers/c1/recommendations",
            L + "globex/customers/g1/recommendations",
            L + "Bad!Tenant/customers/c1/recommendations",
            L + "a".repeat(64) + "/customers/c1/recommendations",
            L + "acme/customers/%01/recommendations",
            L + "acme/customers/" + "A".repeat(256) + "/recommendations",
            L + "acme/customers/" + "A".repeat(257) + "/recommendations",
            // odd encodings
            L + "%61cme/customers/c1/recommendations",
            L + "acme;x=1/customers/c1/recommendations",
            L + "acme/customers/c1;jsessionid=abc/recommendations",
            L + "acme/customers/c1%3Bx/recommendations",
            L + "acme/customers/k%C3%BC%20%22q%22/recommendations",
            L + "acme/customers/c+1/recommendations",
            L + "acme/customers/c%2B1/recommendations",
            L + "acme/customers/%F0%9F%98%80/recommendations",
            L + "acme/customers/c%00/recommendations",
            L + "acme/customers/c%2F1/recommendations",
            L + "acme/customers/c%2f1/recommendations",
            L + "acme/customers/%ff%fe/recommendations",
            L + "acme/customers/%C3/recommendations",
            L + "acme/customers/%ED%A0%80/recommendations",
            L + "acme/customers/%C0%AF/recommendations",
            L + "ac%00me/customers/c1/recommendations",
            L + "globex/customers/%ff/recommendations",
            L + "acme/customers/c%zz/recommendations",
            L + "acme/customers/c%4/recommendations");

    @Test
    void everyLookupCaseAnswersAsSpringMvcDoes() throws Exception {
        int lean = LeanTestServer.alone(context).port();
        int compared = 0;
        java.util.Set<Integer> statuses = new java.util.TreeSet<>();
        StringBuilder seen = new StringBuilder();
        for (String[] credential : credentials) {
            for (String target : TARGETS) {
                RawHttp.Answer mvc = RawHttp.get(mvcPort, target, credential);
                RawHttp.Answer direct = RawHttp.get(lean, target, credential);
                String what = target + " with " + (credential.length == 0 ? "no key" : credential[0] + " "
                        + credential[1].substring(0, Math.min(14, credential[1].length())));
                assertThat(mvc.body()).as(what).doesNotContain("<html", "Exception");
                assertThat(direct.comparable()).as(what).isEqualTo(mvc.comparable());
                if (mvc.status() == 401 || mvc.status() == 403) {
                    assertThat(direct.headers().get("cache-control")).as(what).isEqualTo(mvc.headers().get("cache-control"));
                }
                statuses.add(mvc.status());
                seen.append(what).append(" -> ").append(mvc.comparable()).append('\n');
                compared++;
            }
        }
        assertThat(compared).isEqualTo(TARGETS.size() * credentials.size());
        java.nio.file.Files.writeString(Path.of("target", getClass().getSimpleName() + "-answers.txt"), seen);
        // every kind of answer was compared
        assertThat(statuses).containsAll(secured() ? List.of(200, 400, 401, 403, 404, 503) : List.of(200, 400, 404, 503));
    }

    @Test
    void theListenerAnswersWithoutSpringAndForwardsNothingElse() throws Exception {
        int lean = LeanTestServer.alone(context).port();
        String[] key = credentials.get(credentials.size() > 1 ? 4 : 0);
        RawHttp.Answer ok = RawHttp.get(lean, L + "acme/customers/c1/recommendations?limit=2", key);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).contains("\"status\":\"OK\"", "\"recommendationId\":\"nbr1.acme.2026-10-31-p1.3.champion\"");
        // anything else waits for Spring: this listener has none behind it
        for (String other : List.of("/api/v1/admin/tenants", L + "acme/recommendations/status", "/actuator/health/readiness",
                "/", L + "acme/customers/c1/recommendations/", "/api//v1/tenants/acme/customers/c1/recommendations")) {
            RawHttp.Answer starting = RawHttp.get(lean, other, key);
            assertThat(starting.status()).as(other).isEqualTo(503);
            assertThat(starting.contentType()).isEqualTo("application/json");
            assertThat(starting.body()).as(other).startsWith("{\"error\":\"starting\",\"message\":");
        }
    }
}
