package io.nightbake.console;

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
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's HTTP endpoints with API keys on: tenants change and read their own state (and nobody else's), the
 * fleet's paged search and state counts, and the OpenAPI document, which must describe every controller endpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConsoleApiTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
    }

    @Autowired
    TenantRegistry tenants;
    @Autowired
    ServingService serving;
    @Autowired
    ApiKeyService keys;
    @Autowired
    JsonMapper json;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;
    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private static String operatorKey;
    private static String acmeKey;

    @BeforeAll
    static void forgetKeys() {
        operatorKey = null;
        acmeKey = null;
    }

    @BeforeEach
    void fleet() {
        tenants.register(TenantId.of("acme"), TenantState.ON, "test", "test");
        tenants.register(TenantId.of("globex"), TenantState.ON, "test", "test");
        for (int i = 1; i <= 30; i++) {
            tenants.register(TenantId.of(String.format(Locale.ROOT, "shop-%03d", i)), i % 3 == 0 ? TenantState.FROZEN
                    : TenantState.ON, "test", "test");
        }
        serving.start();
        serving.index().swap("acme", TenantSnapshotIndex.builder("acme", "2026-10-31-p1").modelVersion(3)
                .runDate(LocalDate.of(2026, 10, 31)).builtAt(Instant.parse("2026-10-31T02:00:00Z"))
                .customer("c1").recommend("p9", 4.5).build());
        if (operatorKey == null) {
            operatorKey = keys.createOperatorKey("ops-alice", "test").key();
            acmeKey = keys.createTenantKey(TenantId.of("acme"), "acme-crm", "test").key();
        }
    }

    private HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTenantSwitchesItselfOffAndOnAuditedUnderItsKeysNameAndCannotTouchAnotherTenant() throws Exception {
        HttpResponse<String> off = send("POST", "/api/v1/tenants/acme/state", acmeKey,
                "{\"state\":\"OFF\",\"reason\":\"we pause recommendations during the stock-taking\"}");
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(off.body()).contains("\"from\":\"ON\"", "\"to\":\"OFF\"", "TENANT_OFF");
        // the same effect as an operator's change: lookups answer TENANT_OFF at once
        assertThat(send("GET", "/api/v1/tenants/acme/customers/c1/recommendations", acmeKey, null).body())
                .contains("\"status\":\"TENANT_OFF\"");

        HttpResponse<String> history = send("GET", "/api/v1/tenants/acme/state/history", acmeKey, null);
        assertThat(history.statusCode()).isEqualTo(200);
        JsonNode last = json.readTree(history.body()).get(json.readTree(history.body()).size() - 1);
        assertThat(last.get("to").stringValue()).isEqualTo("OFF");
        assertThat(last.get("by").stringValue()).isEqualTo("acme-crm");
        assertThat(last.get("reason").stringValue()).isEqualTo("we pause recommendations during the stock-taking");

        assertThat(send("POST", "/api/v1/tenants/acme/state", acmeKey, "{\"state\":\"on\",\"reason\":\"stock-taking done\"}")
                .statusCode()).isEqualTo(200);
        assertThat(tenants.get(TenantId.of("acme")).state()).isEqualTo(TenantState.ON);

        // another tenant, its history, and the admin API: 403, and globex's state is untouched
        HttpResponse<String> other = send("POST", "/api/v1/tenants/globex/state", acmeKey, "{\"state\":\"OFF\",\"reason\":\"x\"}");
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.body()).contains("\"error\":\"forbidden\"");
        assertThat(send("GET", "/api/v1/tenants/globex/state/history", acmeKey, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/tenants/globex/overview", acmeKey, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/admin/fleet/overview", acmeKey, null).statusCode()).isEqualTo(403);
        assertThat(tenants.get(TenantId.of("globex")).state()).isEqualTo(TenantState.ON);
        assertThat(send("GET", "/api/v1/tenants/acme/state/history", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void aStateChangeNeedsAReasonAndAKnownStateAndNamesTheField() throws Exception {
        HttpResponse<String> noReason = send("POST", "/api/v1/tenants/acme/state", acmeKey, "{\"state\":\"FROZEN\"}");
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("\"error\":\"invalid_request\"", "\\\"reason\\\" is required");
        HttpResponse<String> badState = send("POST", "/api/v1/tenants/acme/state", acmeKey, "{\"state\":\"PAUSED\",\"reason\":\"x\"}");
        assertThat(badState.statusCode()).isEqualTo(400);
        assertThat(badState.body()).contains("ON, FROZEN or OFF");
        HttpResponse<String> typo = send("POST", "/api/v1/tenants/acme/state", acmeKey, "{\"state\":\"OFF\",\"reson\":\"x\"}");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(typo.body()).contains("unknown field 'reson'");
        assertThat(tenants.get(TenantId.of("acme")).state()).isEqualTo(TenantState.ON);
        // an operator's rerun of a tenant also needs a reason
        HttpResponse<String> rerun = send("POST", "/api/v1/admin/tenants/acme/rerun", operatorKey, "{}");
        assertThat(rerun.statusCode()).isEqualTo(400);
        assertThat(rerun.body()).contains("\\\"reason\\\" is required");
    }

    @Test
    void whoamiTellsEachKeyWhoseItIs() throws Exception {
        JsonNode tenant = json.readTree(send("GET", "/api/v1/whoami", acmeKey, null).body());
        assertThat(tenant.get("role").stringValue()).isEqualTo("TENANT");
        assertThat(tenant.get("tenant").stringValue()).isEqualTo("acme");
        assertThat(tenant.get("name").stringValue()).isEqualTo("acme-crm");
        JsonNode operator = json.readTree(send("GET", "/api/v1/whoami", operatorKey, null).body());
        assertThat(operator.get("role").stringValue()).isEqualTo("OPERATOR");
        assertThat(send("GET", "/api/v1/whoami", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void theFleetsTenantListIsSearchedAndPagedOnTheServer() throws Exception {
        JsonNode page = json.readTree(send("GET", "/api/v1/admin/fleet/tenants?q=SHOP-0&page=1&size=7", operatorKey, null).body());
        assertThat(page.get("total").intValue()).isEqualTo(30);
        assertThat(page.get("tenants").size()).isEqualTo(7);
        assertThat(page.get("tenants").get(0).get("tenant").stringValue()).isEqualTo("shop-008");
        JsonNode frozen = json.readTree(send("GET", "/api/v1/admin/fleet/tenants?state=FROZEN&size=500", operatorKey, null).body());
        assertThat(frozen.get("total").intValue()).isEqualTo(10);
        List<String> ids = new ArrayList<>();
        frozen.get("tenants").forEach(t -> ids.add(t.get("tenant").stringValue()));
        assertThat(ids).allMatch(id -> Integer.parseInt(id.substring(5)) % 3 == 0);

        HttpResponse<String> tooBig = send("GET", "/api/v1/admin/fleet/tenants?size=5000", operatorKey, null);
        assertThat(tooBig.statusCode()).isEqualTo(400);
        assertThat(tooBig.body()).contains("'size' must be a whole number from 1 to 500");
        assertThat(send("GET", "/api/v1/admin/fleet/tenants?state=SLEEPING", operatorKey, null).body())
                .contains("\\\"state\\\" must be ON, FROZEN or OFF");
    }

    @Test
    void statesPerDayAreReplayedFromTheAuditTrail() throws Exception {
        JsonNode days = json.readTree(send("GET", "/api/v1/admin/fleet/states?days=3", operatorKey, null).body()).get("days");
        assertThat(days.size()).isEqualTo(3);
        JsonNode today = days.get(2);
        int total = tenants.list().size();
        assertThat(today.get("on").intValue() + today.get("frozen").intValue() + today.get("off").intValue()).isEqualTo(total);
        assertThat(today.get("frozen").intValue()).isEqualTo((int) tenants.list().stream()
                .filter(t -> t.state() == TenantState.FROZEN).count());
    }

    @Test
    void theOpenApiDocumentIsPublicAndDescribesEveryControllerEndpoint() throws Exception {
        HttpResponse<String> docs = send("GET", "/v3/api-docs", null, null);
        assertThat(docs.statusCode()).isEqualTo(200);
        java.nio.file.Files.writeString(Path.of("target", "openapi.json"), docs.body()); // for reviewers
        JsonNode api = json.readTree(docs.body());
        JsonNode paths = api.get("paths");

        List<String> missing = new ArrayList<>();
        int endpoints = 0;
        for (var entry : mappings.getHandlerMethods().entrySet()) {
            String owner = entry.getValue().getBeanType().getName();
            if (owner.startsWith("org.springdoc") || owner.startsWith("org.springframework")) {
                continue; // the document's own endpoints and Boot's /error
            }
            RequestMappingInfo info = entry.getKey();
            Set<String> patterns = info.getPathPatternsCondition() != null ? info.getPathPatternsCondition().getPatternValues()
                    : info.getPatternValues();
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            for (String pattern : patterns) {
                JsonNode item = paths.get(pattern);
                if (methods.isEmpty()) {
                    endpoints++;
                    if (item == null) {
                        missing.add("* " + pattern);
                    }
                }
                for (RequestMethod method : methods) {
                    endpoints++;
                    if (item == null || item.get(method.name().toLowerCase(Locale.ROOT)) == null) {
                        missing.add(method + " " + pattern);
                    }
                }
            }
        }
        assertThat(endpoints).isGreaterThan(15);
        assertThat(missing).as("controller endpoints missing from /v3/api-docs").isEmpty();

        assertThat(api.get("components").get("securitySchemes").get("bearerKey").get("scheme").stringValue()).isEqualTo("bearer");
        assertThat(api.get("components").get("securitySchemes").get("apiKeyHeader").get("name").stringValue()).isEqualTo("X-Api-Key");
        JsonNode setState = paths.get("/api/v1/tenants/{tenant}/state").get("post");
        assertThat(setState.get("requestBody").get("content").get("application/json").get("schema").get("$ref").stringValue())
                .isEqualTo("#/components/schemas/StateRequest");
        assertThat(setState.get("responses").get("403").get("content").get("application/json").get("schema").get("$ref")
                .stringValue()).isEqualTo("#/components/schemas/Error");
        JsonNode stateRequest = api.get("components").get("schemas").get("StateRequest").get("properties");
        assertThat(stateRequest.get("state").get("example").stringValue()).isEqualTo("FROZEN");
        assertThat(stateRequest.get("reason").get("example").stringValue()).isNotBlank();
        assertThat(api.get("components").get("schemas").get("StateRequest").get("properties").get("state").get("enum").size())
                .isEqualTo(3);
        assertThat(send("GET", "/swagger-ui/index.html", null, null).statusCode()).isEqualTo(200);
    }
}
