package io.nightbake.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import io.nightbake.model.ChampionChange;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TestSnapshots;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import io.nightbake.tenant.TenantStateChange;
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

/**
 * The operators' API over real HTTP with an operator key: state changes, champion pin and rollback, snapshot
 * rollback, keys; every change audited under the key's name; bad bodies answer 400 JSON. Each test works on its own
 * tenant, so the tests do not depend on each other's order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminApiTest {

    private static final String OPERATOR = "ops-alice";
    private static final LocalDate DAY_1 = LocalDate.of(2026, 10, 30);
    private static final LocalDate DAY_2 = LocalDate.of(2026, 10, 31);

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
    ModelRegistry models;
    @Autowired
    SnapshotRegistry snapshots;
    @Autowired
    ServingService serving;
    @Autowired
    ApiKeyService keys;
    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private static String operatorKey;

    /** Keys belong to one application context: each test class (H2 or PostgreSQL) makes its own. */
    @BeforeAll
    static void forgetKeys() {
        operatorKey = null;
    }

    @BeforeEach
    void operator() {
        serving.start();
        if (operatorKey == null) {
            operatorKey = keys.createOperatorKey(OPERATOR, "test").key();
        }
    }

    /** A CLI command line against this test's database. */
    String[] cli(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--nightbake.home=" + home;
        return all;
    }

    /** A tenant with champions 1 -> 2 -> 3 (version 4 rejected) and two published snapshots, the second served. */
    private TenantId tenantWithHistory(String name) {
        TenantId id = TenantId.of(name);
        tenants.register(id, TenantState.ON, "test", "test");
        for (int v = 1; v <= 4; v++) {
            boolean promoted = v < 4;
            models.register(new ModelVersion(id, 0, DAY_1.minusDays(4 - v), "default", 1, "tribuo-fm", "{}", "f" + v, 1000, 200,
                    1.0 - v * 0.05, v == 1 ? null : 1.0 - (v - 1) * 0.05, 1.2, v == 1 ? null : v - 1,
                    promoted ? ModelVersion.Decision.PROMOTED : ModelVersion.Decision.REJECTED,
                    promoted ? "better by the margin" : "not better by the margin", "tribuo 4.3.2", modelFiles(name, v),
                    Instant.now(), Instant.now()), "nightly");
        }
        publish(id, "s1", DAY_1, 2, "p1");
        publish(id, "s2", DAY_2, 3, "p2");
        return id;
    }

    /** A model version's folder with its ranking graph, as a pin checks for. */
    private static String modelFiles(String tenant, int version) {
        try {
            Path dir = home.resolve("models").resolve(tenant).resolve("v" + version);
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.write(dir.resolve(io.nightbake.retrain.model.ModelArtifacts.RANKING_GRAPH), new byte[] {1});
            return dir.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void publish(TenantId id, String snapshotId, LocalDate day, int modelVersion, String product) {
        Path file = TestSnapshots.write(home.resolve("snapshots").resolve(id.value()).resolve(snapshotId)
                .resolve("recommendations.parquet"), id.value(), modelVersion, day, "c1", product, 0.9);
        Snapshot snapshot = new Snapshot(id, snapshotId, day, modelVersion, file.toString(), 1, 1, Instant.now());
        snapshots.publish(snapshot, "nightly", "run " + day);
        serving.published(snapshot);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + operatorKey).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    private static TenantStateChange lastStateChange(List<TenantStateChange> history) {
        return history.get(history.size() - 1);
    }

    @Test
    void offUnpublishesAtOnceAndOnServesTheLastListsAgainBothAudited() throws Exception {
        TenantId t = tenantWithHistory("state-t");
        String lookup = "/api/v1/tenants/state-t/customers/c1/recommendations";
        assertThat(get(lookup).body()).contains("\"status\":\"OK\"", "\"snapshot\":\"s2\"");

        HttpResponse<String> off = post("/api/v1/admin/tenants/state-t/state", "{\"state\":\"OFF\",\"reason\":\"client paused the add-on\"}");
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(off.body()).contains("\"from\":\"ON\"", "\"to\":\"OFF\"", "\"changed\":true", "unpublished snapshot s2");
        TenantStateChange audited = lastStateChange(tenants.history(t));
        assertThat(audited.newState()).isEqualTo(TenantState.OFF);
        assertThat(audited.changedBy()).isEqualTo(OPERATOR);
        assertThat(audited.reason()).isEqualTo("client paused the add-on");
        assertThat(snapshots.current(t)).isEmpty();
        assertThat(serving.index().get("state-t")).isNull();
        assertThat(get(lookup).body()).contains("\"status\":\"TENANT_OFF\"", "\"recommendations\":[]");
        assertThat(get("/api/v1/tenants/state-t/recommendations/status").body()).contains("\"state\":\"OFF\"", "\"published\":false");

        HttpResponse<String> on = post("/api/v1/admin/tenants/state-t/state", "{\"state\":\"ON\",\"reason\":\"client is back\"}");
        assertThat(on.statusCode()).isEqualTo(200);
        assertThat(on.body()).contains("\"to\":\"ON\"", "serves snapshot s2 again", "champion version 3");
        assertThat(lastStateChange(tenants.history(t)).changedBy()).isEqualTo(OPERATOR);
        assertThat(snapshots.current(t)).map(Snapshot::snapshotId).contains("s2");
        assertThat(get(lookup).body()).contains("\"status\":\"OK\"", "\"snapshot\":\"s2\"", "\"productId\":\"p2\"");
        assertThat(models.champion(t)).map(ModelVersion::version).contains(3);

        HttpResponse<String> again = post("/api/v1/admin/tenants/state-t/state", "{\"state\":\"ON\",\"reason\":\"twice\"}");
        assertThat(again.body()).contains("\"changed\":false", "already ON");
        assertThat(lastStateChange(tenants.history(t)).reason()).isEqualTo("client is back");
    }

    @Test
    void frozenShowsAtOnceAndKeepsServing() throws Exception {
        TenantId t = tenantWithHistory("frozen-t");
        HttpResponse<String> frozen = post("/api/v1/admin/tenants/frozen-t/state", "{\"state\":\"frozen\",\"reason\":\"holidays\"}");
        assertThat(frozen.statusCode()).isEqualTo(200);
        assertThat(frozen.body()).contains("\"to\":\"FROZEN\"", "keep champion version 3");
        assertThat(get("/api/v1/tenants/frozen-t/recommendations/status").body()).contains("\"state\":\"FROZEN\"", "\"published\":true");
        assertThat(tenants.get(t).state()).isEqualTo(TenantState.FROZEN);
    }

    @Test
    void pinAndRollbackMoveTheChampionPointerAndAreAudited() throws Exception {
        TenantId t = tenantWithHistory("model-t");
        HttpResponse<String> pin = post("/api/v1/admin/tenants/model-t/champion", "{\"version\":1,\"reason\":\"v2 and v3 overfit\"}");
        assertThat(pin.statusCode()).isEqualTo(200);
        assertThat(pin.body()).contains("\"from\":3", "\"to\":1", "next prebake");
        assertThat(models.champion(t)).map(ModelVersion::version).contains(1);
        ChampionChange pinned = models.championHistory(t).get(models.championHistory(t).size() - 1);
        assertThat(pinned).extracting(ChampionChange::oldVersion, ChampionChange::newVersion, ChampionChange::changedBy,
                ChampionChange::reason).containsExactly(3, 1, OPERATOR, "v2 and v3 overfit");

        // the rollback undoes the pin, then walks back through the promotions: 1 -> 3 -> 2 -> 1, then nothing
        String rollback = "/api/v1/admin/tenants/model-t/champion/rollback";
        assertThat(post(rollback, "{\"reason\":\"undo the pin\"}").body()).contains("\"from\":1", "\"to\":3");
        assertThat(post(rollback, "{\"reason\":\"back one\"}").body()).contains("\"from\":3", "\"to\":2");
        assertThat(models.champion(t)).map(ModelVersion::version).contains(2);
        assertThat(post(rollback, "{\"reason\":\"back one more\"}").body()).contains("\"from\":2", "\"to\":1");
        HttpResponse<String> none = post(rollback, "{\"reason\":\"and again\"}");
        assertThat(none.statusCode()).isEqualTo(409);
        assertThat(none.body()).contains("\"error\":\"no_previous_champion\"", "before version 1");
        assertThat(models.championHistory(t)).last().extracting(ChampionChange::changedBy, ChampionChange::reason)
                .containsExactly(OPERATOR, "rollback: back one more");

        HttpResponse<String> unknownVersion = post("/api/v1/admin/tenants/model-t/champion", "{\"version\":9,\"reason\":\"x\"}");
        assertThat(unknownVersion.statusCode()).isEqualTo(404);
        assertThat(unknownVersion.body()).contains("\"error\":\"unknown_version\"", "versions are [1, 2, 3, 4]");
        HttpResponse<String> same = post("/api/v1/admin/tenants/model-t/champion", "{\"version\":1,\"reason\":\"x\"}");
        assertThat(same.body()).contains("\"changed\":false", "already the champion", "pin");
    }

    @Test
    void aPinHoldsAgainstPromotionsUntilReleasedAndUnusableVersionsCannotBePinned() throws Exception {
        TenantId t = tenantWithHistory("pin-t");
        assertThat(post("/api/v1/admin/tenants/pin-t/champion", "{\"version\":2,\"reason\":\"hold v2\"}").statusCode())
                .isEqualTo(200);
        assertThat(models.pin(t)).map(ModelRegistry.Pin::version).contains(2);
        // the next night's better challenger is recorded, not promoted
        ModelVersion challenger = models.register(new ModelVersion(t, 0, DAY_2, "default", 1, "tribuo-fm", "{}", "f5", 1000, 200,
                0.5, 0.8, 1.2, 2, ModelVersion.Decision.PROMOTED, "better by the margin", "tribuo 4.3.2", modelFiles("pin-t", 5),
                Instant.now(), Instant.now()), "nightly");
        assertThat(challenger.decision()).isEqualTo(ModelVersion.Decision.PINNED);
        assertThat(challenger.reason()).contains("pinned by " + OPERATOR, "hold v2", "better by the margin");
        assertThat(models.champion(t)).map(ModelVersion::version).contains(2);

        HttpResponse<String> unpin = send("DELETE", "/api/v1/admin/tenants/pin-t/champion/pin", "{\"reason\":\"v2 done\"}");
        assertThat(unpin.statusCode()).isEqualTo(200);
        assertThat(unpin.body()).contains("no longer pinned");
        assertThat(models.pin(t)).isEmpty();
        assertThat(models.register(new ModelVersion(t, 0, DAY_2.plusDays(1), "default", 1, "tribuo-fm", "{}", "f6", 1000, 200,
                0.4, 0.8, 1.2, 2, ModelVersion.Decision.PROMOTED, "better", "tribuo 4.3.2", modelFiles("pin-t", 6),
                Instant.now(), Instant.now()), "nightly").promoted()).isTrue();

        // a version with a NaN figure, or whose files are gone, is refused
        ModelVersion broken = models.register(new ModelVersion(t, 0, DAY_2, "default", 1, "tribuo-fm", "{}", "f7", 1000, 200,
                Double.NaN, 0.8, 1.2, 2, ModelVersion.Decision.REJECTED, "diverged", "tribuo 4.3.2", modelFiles("pin-t", 7),
                Instant.now(), Instant.now()), "nightly");
        HttpResponse<String> nan = post("/api/v1/admin/tenants/pin-t/champion", "{\"version\":" + broken.version() + ",\"reason\":\"x\"}");
        assertThat(nan.statusCode()).isEqualTo(409);
        assertThat(nan.body()).contains("\"error\":\"unusable_version\"", "not finite");
        ModelVersion gone = models.register(new ModelVersion(t, 0, DAY_2, "default", 1, "tribuo-fm", "{}", "f8", 1000, 200,
                0.9, 0.8, 1.2, 2, ModelVersion.Decision.REJECTED, "worse", "tribuo 4.3.2", home.resolve("nowhere").toString(),
                Instant.now(), Instant.now()), "nightly");
        HttpResponse<String> missing = post("/api/v1/admin/tenants/pin-t/champion", "{\"version\":" + gone.version() + ",\"reason\":\"x\"}");
        assertThat(missing.statusCode()).isEqualTo(409);
        assertThat(missing.body()).contains("model files are missing");
    }

    @Test
    void snapshotRollbackServesThePreviousListsAtOnce() throws Exception {
        TenantId t = tenantWithHistory("snap-t");
        HttpResponse<String> r = post("/api/v1/admin/tenants/snap-t/snapshot/rollback", "{\"reason\":\"lists of the 31st look wrong\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"snapshot\":\"s1\"", "\"modelVersion\":2");
        assertThat(snapshots.current(t)).map(Snapshot::snapshotId).contains("s1");
        assertThat(get("/api/v1/tenants/snap-t/customers/c1/recommendations").body()).contains("\"snapshot\":\"s1\"",
                "\"productId\":\"p1\"");
        HttpResponse<String> none = post("/api/v1/admin/tenants/snap-t/snapshot/rollback", "{\"reason\":\"again\"}");
        assertThat(none.statusCode()).isEqualTo(409);
        assertThat(none.body()).contains("\"error\":\"no_snapshot_to_roll_back_to\"");

        // rolling forward again serves the newer lists
        HttpResponse<String> forward = post("/api/v1/admin/tenants/snap-t/snapshot/roll-forward", "{\"reason\":\"fixed\"}");
        assertThat(forward.statusCode()).isEqualTo(200);
        assertThat(forward.body()).contains("\"snapshot\":\"s2\"");
        assertThat(get("/api/v1/tenants/snap-t/customers/c1/recommendations").body()).contains("\"snapshot\":\"s2\"");
        assertThat(post("/api/v1/admin/tenants/snap-t/snapshot/roll-forward", "{\"reason\":\"x\"}").statusCode()).isEqualTo(409);
    }

    @Test
    void tenantListAndDetailShowStateChampionSnapshotsAndHistory() throws Exception {
        tenantWithHistory("detail-t");
        HttpResponse<String> list = get("/api/v1/admin/tenants");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("{\"tenant\":\"detail-t\",\"state\":\"ON\"", "\"championVersion\":3",
                "\"publishedSnapshot\":\"s2\"");

        HttpResponse<String> detail = get("/api/v1/admin/tenants/detail-t");
        assertThat(detail.statusCode()).isEqualTo(200);
        assertThat(detail.body()).contains("\"stateHistory\":[{\"from\":null,\"to\":\"ON\"", "\"championHistory\":[",
                "\"version\":4", "\"decision\":\"REJECTED\"", "\"reason\":\"not better by the margin\"", "\"challengerRmse\":",
                "\"snapshot\":\"s1\"", "\"published\":true", "\"apiKeys\":[]");

        HttpResponse<String> unknown = get("/api/v1/admin/tenants/nobody");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"error\":\"unknown_tenant\"");
    }

    @Test
    void keysAreCreatedOnceAndRevoked() throws Exception {
        tenantWithHistory("keys-t");
        HttpResponse<String> created = post("/api/v1/admin/tenants/keys-t/api-keys", "{\"name\":\"keys-t-frontend\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("no-store"));
        String key = created.body().replaceAll(".*\"key\":\"(nbk_[^\"]+)\".*", "$1");
        String id = created.body().replaceAll(".*\"id\":\"([0-9a-f]+)\".*", "$1");
        assertThat(key).startsWith("nbk_");
        assertThat(created.body()).contains("\"tenant\":\"keys-t\"", "\"role\":\"TENANT\"", "not shown again");

        String status = "/api/v1/tenants/keys-t/recommendations/status";
        HttpRequest withKey = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + status))
                .header("X-Api-Key", key).build();
        assertThat(http.send(withKey, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/admin/tenants/keys-t").body()).contains("\"name\":\"keys-t-frontend\"", "\"createdBy\":\"" + OPERATOR + "\"")
                .doesNotContain(key);

        HttpResponse<String> revoked = send("DELETE", "/api/v1/admin/api-keys/" + id, "{\"reason\":\"frontend retired\"}");
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(revoked.body()).contains("\"revokedNow\":true", "\"revokedBy\":\"" + OPERATOR + "\"", "frontend retired");
        assertThat(http.send(withKey, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(send("DELETE", "/api/v1/admin/api-keys/" + id, null).body()).contains("\"revokedNow\":false", "already revoked");
        assertThat(send("DELETE", "/api/v1/admin/api-keys/0123456789abcdef", null).statusCode()).isEqualTo(404);

        HttpResponse<String> operatorKeyMade = post("/api/v1/admin/operator-keys", "{\"name\":\"ops-bob\"}");
        assertThat(operatorKeyMade.statusCode()).isEqualTo(201);
        assertThat(operatorKeyMade.body()).contains("\"role\":\"OPERATOR\"", "\"tenant\":null");
    }

    @Test
    void invalidBodiesGetA400WithJsonThatNamesTheMistake() throws Exception {
        tenantWithHistory("bad-t");
        String[][] cases = {
                {"/api/v1/admin/tenants/bad-t/state", null, "a JSON body is required"},
                {"/api/v1/admin/tenants/bad-t/state", "not json", "not valid JSON"},
                {"/api/v1/admin/tenants/bad-t/state", "[\"OFF\"]", "must be a JSON object"},
                {"/api/v1/admin/tenants/bad-t/state", "{\"state\":\"SLEEPING\",\"reason\":\"x\"}", "ON, FROZEN or OFF"},
                {"/api/v1/admin/tenants/bad-t/state", "{\"state\":\"OFF\"}", "\\\"reason\\\" is required"},
                {"/api/v1/admin/tenants/bad-t/state", "{\"state\":\"OFF\",\"reason\":\"   \"}", "\\\"reason\\\" is required"},
                {"/api/v1/admin/tenants/bad-t/state", "{\"state\":\"OFF\",\"reson\":\"typo\"}", "unknown field 'reson'"},
                {"/api/v1/admin/tenants/bad-t/state", "{\"state\":3,\"reason\":\"x\"}", "\\\"state\\\" must be a string"},
                {"/api/v1/admin/tenants/bad-t/state", "{\"state\":\"OFF\",\"reason\":\"" + "x".repeat(1001) + "\"}", "at most 1000"},
                {"/api/v1/admin/tenants/bad-t/champion", "{\"version\":\"two\",\"reason\":\"x\"}", "whole number"},
                {"/api/v1/admin/tenants/bad-t/champion", "{\"version\":1.5,\"reason\":\"x\"}", "whole number"},
                {"/api/v1/admin/tenants/bad-t/champion", "{\"version\":0,\"reason\":\"x\"}", "whole number from 1"},
                {"/api/v1/admin/tenants/bad-t/champion", "{\"version\":99999999999,\"reason\":\"x\"}", "whole number"},
                {"/api/v1/admin/tenants/bad-t/champion", "{\"reason\":\"x\"}", "\\\"version\\\" is required"},
                {"/api/v1/admin/tenants/bad-t/champion/rollback", "{}", "\\\"reason\\\" is required"},
                {"/api/v1/admin/tenants/bad-t/snapshot/rollback", "{\"reason\":false}", "must be a string"},
                {"/api/v1/admin/tenants/bad-t/api-keys", "{\"name\":\"" + "n".repeat(101) + "\"}", "1-100 characters"},
                {"/api/v1/admin/tenants/bad-t/api-keys", "{}", "\\\"name\\\" is required"},
                {"/api/v1/admin/operator-keys", "{\"name\":\"a\\nb\"}", "control characters"},
                {"/api/v1/admin/tenants/Bad!Tenant/state", "{\"state\":\"OFF\",\"reason\":\"x\"}", "tenant id must be"}};
        for (String[] c : cases) {
            HttpResponse<String> r = post(c[0], c[1]);
            assertThat(r.statusCode()).as(c[0] + " " + c[1]).isEqualTo(400);
            assertThat(r.body()).as(c[1]).startsWith("{\"error\":\"invalid_request\"").contains(c[2])
                    .doesNotContain("Exception", "at io.", "at org.");
        }
        assertThat(tenants.get(TenantId.of("bad-t")).state()).isEqualTo(TenantState.ON);
        assertThat(models.champion(TenantId.of("bad-t"))).map(ModelVersion::version).contains(3);

        HttpResponse<String> unknownTenant = post("/api/v1/admin/tenants/nobody/state", "{\"state\":\"OFF\",\"reason\":\"x\"}");
        assertThat(unknownTenant.statusCode()).isEqualTo(404);
        assertThat(unknownTenant.body()).contains("\"error\":\"unknown_tenant\"");
        assertThat(send("GET", "/api/v1/admin/tenants/bad-t/state", null).statusCode()).isEqualTo(405);

        // curl -d without -H 'Content-Type: application/json' sends a form: say how to send JSON
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/admin/tenants/bad-t/state")).header("Authorization", "Bearer " + operatorKey)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("{\"state\":\"OFF\",\"reason\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(form.body()).startsWith("{\"error\":\"unsupported_media_type\"").contains("Content-Type: application/json");
        assertThat(tenants.get(TenantId.of("bad-t")).state()).isEqualTo(TenantState.ON);
    }

    @Test
    void theCliDoesTheSameThroughTheSameServiceAuditedAsTheOsUser() throws Exception {
        TenantId t = tenantWithHistory("cli-t");
        String user = "cli:" + System.getProperty("user.name");

        Cli frozen = Cli.run(cli("set-state", "--tenant", "cli-t", "--state", "FROZEN", "--reason", "freeze from the shell"));
        assertThat(frozen.code).as(frozen.err).isZero();
        assertThat(frozen.out.strip()).isEqualTo(frozen.out.strip().lines().findFirst().orElseThrow())
                .contains("ON -> FROZEN");
        assertThat(lastStateChange(tenants.history(t))).extracting(TenantStateChange::changedBy, TenantStateChange::reason)
                .containsExactly(user, "freeze from the shell");

        Cli rollback = Cli.run(cli("rollback-model", "--tenant", "cli-t", "--reason", "v3 is worse"));
        assertThat(rollback.code).as(rollback.err).isZero();
        assertThat(rollback.out).contains("champion 3 -> 2", "next prebake");
        assertThat(models.championHistory(t)).last().extracting(ChampionChange::changedBy).isEqualTo(user);

        Cli created = Cli.run(cli("api-key", "create", "--tenant", "cli-t", "--name", "cli-made"));
        assertThat(created.code).as(created.err).isZero();
        assertThat(created.out).contains("created TENANT key 'cli-made' for tenant cli-t", "nbk_", "not shown again");

        // mistakes are refused before anything starts, with the usage
        Cli badState = Cli.run(cli("set-state", "--tenant", "cli-t", "--state", "SLEEPING", "--reason", "x"));
        assertThat(badState.code).isEqualTo(2);
        assertThat(badState.err).contains("--state must be ON, FROZEN or OFF");
        Cli noReason = Cli.run(cli("pin-model", "--tenant", "cli-t", "--version", "1"));
        assertThat(noReason.code).isEqualTo(2);
        assertThat(noReason.err).contains("option --reason is required");
        Cli bothKinds = Cli.run(cli("api-key", "create", "--tenant", "cli-t", "--operator", "x"));
        assertThat(bothKinds.code).isEqualTo(2);
        assertThat(Cli.run(cli("api-key", "rotate")).err).contains("unknown api-key action 'rotate'");
    }

    private record Cli(int code, String out, String err) {
        static Cli run(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = NightbakeCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
