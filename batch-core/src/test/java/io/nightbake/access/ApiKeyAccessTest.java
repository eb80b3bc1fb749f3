package io.nightbake.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.admin.ApiKeyService;
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
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Who may call what, over real HTTP, with security on (the default). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiKeyAccessTest {

    private static final String FORBIDDEN_TENANT = "{\"error\":\"forbidden\",\"message\":\"this key cannot read this tenant\"}";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
        // the test refreshes by hand to show what polling picks up
        registry.add("nightbake.security.refresh-millis", () -> "3600000");
    }

    @Autowired
    TenantRegistry tenants;
    @Autowired
    ServingService serving;
    @Autowired
    ApiKeyService keyService;
    @Autowired
    ApiKeyRegistry keyRegistry;
    @Autowired
    ActiveApiKeys activeKeys;
    @Autowired
    javax.sql.DataSource dataSource;
    @LocalServerPort
    int port;

    /** Where the requests go: Spring's Tomcat here; the lean listener in front of it in the *LeanTest subclass. */
    protected int port() {
        return port;
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private static String operatorKey;
    private static String acmeKey;

    /** Keys belong to one application context: each test class (H2 or PostgreSQL) makes its own. */
    @BeforeAll
    static void forgetKeys() {
        operatorKey = null;
        acmeKey = null;
    }

    @BeforeEach
    void fleet() {
        tenants.register(TenantId.of("acme"), TenantState.ON, "test", "test");
        tenants.register(TenantId.of("globex"), TenantState.ON, "test", "test");
        serving.start();
        serving.index().swap("acme", TenantSnapshotIndex.builder("acme", "2026-10-31-p1").modelVersion(3)
                .runDate(LocalDate.of(2026, 10, 31)).builtAt(Instant.parse("2026-10-31T02:00:00Z"))
                .customer("c1").recommend("p9", 4.5).recommend("p2", 4.0).build());
        serving.index().swap("globex", TenantSnapshotIndex.builder("globex", "2026-10-31-p2").modelVersion(1)
                .runDate(LocalDate.of(2026, 10, 31)).builtAt(Instant.parse("2026-10-31T02:00:00Z"))
                .customer("g1").recommend("secret-product", 9.0).build());
        if (operatorKey == null) {
            operatorKey = keyService.createOperatorKey("ops-alice", "test").key();
            acmeKey = keyService.createTenantKey(TenantId.of("acme"), "acme-crm", "test").key();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return key == null ? send("GET", path, null) : send("GET", path, null, "Authorization", "Bearer " + key);
    }

    @Test
    void aTenantKeyReadsItsOwnTenantsRecommendationsAndStatus() throws Exception {
        HttpResponse<String> lists = get("/api/v1/tenants/acme/customers/c1/recommendations", acmeKey);
        assertThat(lists.statusCode()).isEqualTo(200);
        assertThat(lists.body()).contains("\"status\":\"OK\"", "\"productId\":\"p9\"");

        HttpResponse<String> status = send("GET", "/api/v1/tenants/acme/recommendations/status", null, "X-Api-Key", acmeKey);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).contains("\"state\":\"ON\"", "\"published\":true");

        // the scheme is case-insensitive, and a percent-encoded tenant id is the same tenant
        assertThat(send("GET", "/api/v1/tenants/%61cme/recommendations/status", null, "Authorization", "bearer " + acmeKey)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aTenantKeyGets403OnAnyOtherTenantWithTheSameBodyWhetherItExistsOrNot() throws Exception {
        List<String> paths = List.of(
                "/api/v1/tenants/globex/customers/g1/recommendations",
                "/api/v1/tenants/globex/recommendations/status",
                "/api/v1/tenants/nobody/customers/g1/recommendations",
                "/api/v1/tenants/nobody/recommendations/status",
                "/api/v1/tenants/Bad!Id/recommendations/status",
                "/api/v1/tenants/acme/../globex/recommendations/status",
                "/api/v1/tenants/acme/%2e%2e/globex/recommendations/status",
                "/api/v1/tenants/acme;x=1/../globex/recommendations/status",
                "/api/v1/tenants",
                "/api/v1/nothing-here");
        for (String path : paths) {
            HttpResponse<String> r = get(path, acmeKey);
            if (r.statusCode() == 400) {
                continue; // the container refused the path itself: no less safe
            }
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(r.body()).as(path).isEqualTo(FORBIDDEN_TENANT).doesNotContain("globex", "secret-product");
        }
        assertThat(get("/api/v1/tenants/globex/recommendations/status", acmeKey).body())
                .isEqualTo(get("/api/v1/tenants/nobody/recommendations/status", acmeKey).body());
    }

    @Test
    void aTenantKeyGets403OnEveryAdminEndpoint() throws Exception {
        String[][] calls = {
                {"GET", "/api/v1/admin/tenants", null},
                {"GET", "/api/v1/admin/tenants/acme", null},
                {"POST", "/api/v1/admin/tenants/acme/state", "{\"state\":\"OFF\",\"reason\":\"x\"}"},
                {"POST", "/api/v1/admin/tenants/acme/champion", "{\"version\":1,\"reason\":\"x\"}"},
                {"POST", "/api/v1/admin/tenants/acme/champion/rollback", "{\"reason\":\"x\"}"},
                {"POST", "/api/v1/admin/tenants/acme/snapshot/rollback", "{\"reason\":\"x\"}"},
                {"POST", "/api/v1/admin/tenants/acme/api-keys", "{\"name\":\"more\"}"},
                {"POST", "/api/v1/admin/operator-keys", "{\"name\":\"me-too\"}"},
                {"GET", "/api/v1/admin/api-keys", null},
                {"DELETE", "/api/v1/admin/api-keys/0123456789abcdef", null},
                {"GET", "/api/v1/admin/no-such-endpoint", null}};
        for (String[] call : calls) {
            HttpResponse<String> r = send(call[0], call[1], call[2], "Authorization", "Bearer " + acmeKey,
                    "Content-Type", "application/json");
            assertThat(r.statusCode()).as(call[0] + " " + call[1]).isEqualTo(403);
            assertThat(r.body()).as(call[1]).startsWith("{\"error\":\"forbidden\"").contains("operator key");
        }
        assertThat(tenants.get(TenantId.of("acme")).state()).isEqualTo(TenantState.ON);
        assertThat(keyRegistry.list()).extracting(ApiKey::name).doesNotContain("more", "me-too");
    }

    @Test
    void noKeyAMalformedKeyAnUnknownKeyAndARevokedKeyGet401() throws Exception {
        String path = "/api/v1/tenants/acme/customers/c1/recommendations";
        HttpResponse<String> none = get(path, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).startsWith("{\"error\":\"unauthorized\"").contains("Authorization: Bearer");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(get("/api/v1/admin/tenants", null).statusCode()).isEqualTo(401);

        String wellFormedUnknown = "nbk_0123456789abcdef_" + "A".repeat(43);
        String rightIdWrongSecret = acmeKey.substring(0, 21) + "A".repeat(43);
        for (String bad : List.of("nonsense", wellFormedUnknown, rightIdWrongSecret, acmeKey + "x", acmeKey.toUpperCase())) {
            HttpResponse<String> r = get(path, bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(401);
            assertThat(r.body()).as(bad).startsWith("{\"error\":\"unauthorized\"").doesNotContain("acme");
        }
        assertThat(send("GET", path, null, "Authorization", "Basic " + acmeKey).statusCode()).isEqualTo(401);

        ApiKeyService.NewApiKey revoked = keyService.createTenantKey(TenantId.of("acme"), "short-lived", "test");
        assertThat(get(path, revoked.key()).statusCode()).isEqualTo(200);
        keyService.revoke(revoked.id(), "test", "rotated");
        HttpResponse<String> afterRevoke = get(path, revoked.key());
        assertThat(afterRevoke.statusCode()).isEqualTo(401);
        assertThat(afterRevoke.body()).contains("unknown or revoked");
    }

    @Test
    void anOperatorKeyReadsEveryTenantAndTheAdminApi() throws Exception {
        assertThat(get("/api/v1/tenants/globex/customers/g1/recommendations", operatorKey).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/tenants/acme/recommendations/status", operatorKey).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/tenants/nobody/recommendations/status", operatorKey).statusCode()).isEqualTo(404);
        HttpResponse<String> admin = get("/api/v1/admin/tenants", operatorKey);
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.body()).contains("\"tenant\":\"acme\"", "\"tenant\":\"globex\"");
        HttpResponse<String> keys = get("/api/v1/admin/api-keys", operatorKey);
        assertThat(keys.body()).contains("\"name\":\"acme-crm\"").doesNotContain(acmeKey, ApiKeyRegistry.hash(acmeKey));
    }

    @Test
    void keysMadeOrRevokedByAnotherProcessCountFromTheNextRefreshWithoutAQueryPerRequest() throws Exception {
        // another process (the CLI) writes to the registry directly; this process's in-memory keys do not know yet
        ApiKeyRegistry otherProcess = new ApiKeyRegistry(dataSource, Clock.systemUTC());
        String key = otherProcess.createTenantKey(TenantId.of("globex"), "from-the-cli", "cli:test").secret();
        String path = "/api/v1/tenants/globex/recommendations/status";
        assertThat(get(path, key).statusCode()).isEqualTo(401);
        activeKeys.refresh();
        assertThat(get(path, key).statusCode()).isEqualTo(200);
        otherProcess.revoke(ApiKeyRegistry.publicIdOf(key).orElseThrow(), "cli:test", "done");
        assertThat(get(path, key).statusCode()).isEqualTo(200);
        activeKeys.refresh();
        assertThat(get(path, key).statusCode()).isEqualTo(401);
    }

    @Test
    void pathsThatANormalizerWouldPutUnderApiNeedAKeyToo() throws Exception {
        for (String path : List.of("//api/v1/admin/tenants", "/./api/v1/admin/tenants", "/x/../api/v1/admin/tenants",
                "/%61pi/v1/admin/tenants", "/API/v1/admin/tenants", "/api;x=1/v1/admin/tenants", "/api")) {
            HttpResponse<String> r = get(path, null);
            if (r.statusCode() == 400) {
                continue; // the container refused the path itself
            }
            assertThat(r.statusCode()).as(path).isEqualTo(401);
        }
        assertThat(ApiKeyFilter.isProtected(null)).isTrue();
        assertThat(ApiKeyFilter.isProtected(List.of("", "api", "v1"))).isTrue();
        assertThat(ApiKeyFilter.isProtected(List.of("x", "..", "API"))).isTrue();
        assertThat(ApiKeyFilter.isProtected(List.of("dashboard", "api"))).isFalse();
        assertThat(ApiKeyFilter.isProtected(List.of())).isFalse();
    }
}
