package io.nightbake.serving.lean;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.client.ServingFile;
import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.serving.TestSnapshots;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code serve}'s start sequence ({@link LeanServe}) for real, with Spring's start held by a test hook: lookups are
 * answered correctly (and their access rules applied) before the Spring context exists; every other request answers
 * 503 {@code starting}, readiness too; once Spring is up they are forwarded, and the index and keys built before Spring
 * are the context's beans. On a fresh database lookups answer {@code index_loading} until Flyway ran.
 */
class LeanServeStartTest {

    @TempDir
    Path home;

    private String operatorKey;
    private String acmeKey;

    /** A published snapshot for tenant acme (as a night leaves it) and two keys, made by a short-lived context. */
    private void publishedFleet() {
        try (ConfigurableApplicationContext setUp = NightbakeCli.start(List.of("--nightbake.home=" + home),
                WebApplicationType.NONE)) {
            setUp.getBean(TenantRegistry.class).register(TenantId.of("acme"), TenantState.ON, "test", "test");
            setUp.getBean(TenantRegistry.class).register(TenantId.of("globex"), TenantState.ON, "test", "test");
            Path parquet = home.resolve("snapshots/acme/s1").resolve(RecommendationsFile.FILE_NAME);
            TestSnapshots.write(parquet, "acme", 3, LocalDate.of(2026, 10, 31), "c1", "p9", 4.5, "p2", 4.0);
            Instant built = Instant.parse("2026-10-31T02:00:00Z");
            TenantSnapshotIndex.load(parquet, "s1", built).writeServingFile(ServingFile.beside(parquet));
            setUp.getBean(SnapshotRegistry.class).publish(new Snapshot(TenantId.of("acme"), "s1", LocalDate.of(2026, 10, 31),
                    3, parquet.toString(), 1, 2, built), "test", "test");
            ApiKeyRegistry keys = setUp.getBean(ApiKeyRegistry.class);
            operatorKey = keys.createOperatorKey("ops", "test").secret();
            acmeKey = keys.createTenantKey(TenantId.of("acme"), "acme-crm", "test").secret();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Starts serve's sequence in the background; Spring waits at its first initializer until {@code release}. */
    private CompletableFuture<ConfigurableApplicationContext> serve(int port, CountDownLatch held, CountDownLatch release,
                                                                  String... extra) {
        List<String> args = new ArrayList<>(List.of("--nightbake.home=" + home, "--server.port=" + port,
                "--server.address=127.0.0.1", "--nightbake.serving.expected=true", "--spring.quartz.auto-startup=false",
                "--nightbake.serving.event-loop-threads=1"));
        args.addAll(List.of(extra));
        ApplicationContextInitializer<ConfigurableApplicationContext> hold = context -> {
            held.countDown();
            try {
                release.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        return CompletableFuture.supplyAsync(() -> LeanServe.start(args, List.of(hold)));
    }

    @Test
    void lookupsAreAnsweredBeforeTheSpringContextHasStarted() throws Exception {
        publishedFleet();
        int port = freePort();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<ConfigurableApplicationContext> starting = serve(port, held, release);
        assertThat(held.await(60, TimeUnit.SECONDS)).as("Spring's start reached the hook").isTrue();
        try {
            String lookup = "/api/v1/tenants/acme/customers/c1/recommendations?limit=1";
            RawHttp.Answer answer = RawHttp.get(port, lookup, "Authorization", "Bearer " + acmeKey);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{\"tenant\":\"acme\",\"customer\":\"c1\",\"status\":\"OK\",\"recommendations\":"
                    + "[{\"rank\":1,\"productId\":\"p9\",\"score\":4.5}],\"modelVersion\":3,\"snapshot\":\"s1\",\"snapshotDate\":"
                    + "\"2026-10-31\",\"arm\":\"champion\",\"recommendationId\":\"nbr1.acme.s1.3.champion\"}");
            assertThat(RawHttp.get(port, lookup).status()).isEqualTo(401);
            assertThat(RawHttp.get(port, "/api/v1/tenants/globex/customers/c1/recommendations", "X-Api-Key", acmeKey)
                    .status()).isEqualTo(403);
            assertThat(RawHttp.get(port, "/api/v1/tenants/globex/customers/c1/recommendations", "X-Api-Key", operatorKey)
                    .body()).contains("not_published");
            for (String other : List.of("/api/v1/admin/tenants", "/actuator/health/readiness", "/", "/console.js")) {
                RawHttp.Answer early = RawHttp.get(port, other, "Authorization", "Bearer " + operatorKey);
                assertThat(early.status()).as(other).isEqualTo(503);
                assertThat(early.body()).as(other).startsWith("{\"error\":\"starting\"");
            }
            assertThat(starting).isNotDone();
        } finally {
            release.countDown();
        }
        try (ConfigurableApplicationContext context = starting.get(3, TimeUnit.MINUTES)) {
            ServingService serving = context.getBean(ServingService.class);
            assertThat(serving.loaded()).isTrue();
            assertThat(context.getBean(LeanLookupServer.class).port()).isEqualTo(port);
            assertThat(RawHttp.get(port, "/actuator/health/readiness").status()).isEqualTo(200);
            RawHttp.Answer admin = RawHttp.get(port, "/api/v1/admin/tenants", "Authorization", "Bearer " + operatorKey);
            assertThat(admin.status()).isEqualTo(200);
            assertThat(admin.body()).contains("\"tenant\":\"acme\"");
            // one index for both paths: a snapshot swapped in through Spring's bean is what the listener answers
            serving.index().swap("acme", TenantSnapshotIndex.builder("acme", "s2").modelVersion(4).customer("c1")
                    .recommend("p7", 1.0).build());
            assertThat(RawHttp.get(port, "/api/v1/tenants/acme/customers/c1/recommendations", "X-Api-Key", acmeKey).body())
                    .contains("\"productId\":\"p7\"", "\"snapshot\":\"s2\"");
            assertThat(RawHttp.get(port, "/api/v1/tenants/acme/recommendations/status", "X-Api-Key", acmeKey).body())
                    .contains("\"snapshot\":\"s2\"");
        }
        // the listener closed with the context
        try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
            throw new AssertionError("the lookup port is still open after the context closed");
        } catch (java.net.ConnectException expected) {
            // closed
        }
    }

    @Test
    void onAFreshDatabaseLookupsSayTheIndexIsLoadingUntilFlywayRan() throws Exception {
        int port = freePort();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<ConfigurableApplicationContext> starting = serve(port, held, release,
                "--nightbake.security.enabled=false");
        assertThat(held.await(60, TimeUnit.SECONDS)).isTrue();
        try {
            RawHttp.Answer loading = RawHttp.get(port, "/api/v1/tenants/acme/customers/c1/recommendations");
            assertThat(loading.status()).isEqualTo(503);
            assertThat(loading.body()).startsWith("{\"error\":\"index_loading\"");
            assertThat(RawHttp.get(port, "/actuator/health/readiness").status()).isEqualTo(503);
        } finally {
            release.countDown();
        }
        try (ConfigurableApplicationContext context = starting.get(3, TimeUnit.MINUTES)) {
            ServingService serving = context.getBean(ServingService.class);
            assertThat(serving.loaded()).isFalse();
            assertThat(RawHttp.get(port, "/api/v1/tenants/acme/customers/c1/recommendations").body())
                    .startsWith("{\"error\":\"index_loading\"");
            serving.start(); // what serve does once the context is up
            assertThat(RawHttp.get(port, "/api/v1/tenants/acme/customers/c1/recommendations").body())
                    .startsWith("{\"error\":\"unknown_tenant\"");
            assertThat(RawHttp.get(port, "/actuator/health/readiness").status()).isEqualTo(200);
        }
    }
}
