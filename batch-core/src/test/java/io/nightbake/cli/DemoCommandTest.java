package io.nightbake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo command, end to end through the command line (on a smaller fleet). */
class DemoCommandTest {

    @TempDir
    Path home;

    @Test
    void demoRunsTwoNightsAndPrintsThePerTenantTable() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(new String[] {"demo", "--no-serve", "--tenants", "6", "--nightbake.home=" + home},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).contains("generated 6 tenants", "nightly run 2026-10-24 (run 1, 1 attempt, latest 1): COMPLETED",
                "nightly run 2026-10-31 (run 2, 1 attempt, latest 2): COMPLETED", "FROZEN [tenant-004], OFF [tenant-006]");
        String secondNight = printed.substring(printed.indexOf("nightly run 2026-10-31"));
        assertThat(secondNight.lines().filter(l -> l.startsWith("tenant-004")).findFirst().orElseThrow())
                .contains("FROZEN", "skipped", "published");
        assertThat(secondNight.lines().filter(l -> l.startsWith("tenant-006")).findFirst().orElseThrow())
                .contains("OFF", "unpublished");
        assertThat(secondNight.lines().filter(l -> l.startsWith("tenant-001")).findFirst().orElseThrow())
                .contains("ON", "completed", "rmse");
    }

    /** As the README runs it: the nights, then lookups, the console and the admin API served on 127.0.0.1 until stopped. */
    @Test
    void theDemoKeepsServingLookupsAndTheConsoleOnLoopback(@TempDir Path logs) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        for (String open : System.getProperty("nightbake.test.add-opens", "").split(" ")) {
            if (!open.isBlank()) {
                command.add(open);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.nightbake.NightbakeCli", "demo",
                "--tenants", "6", "--nightbake.home=" + home, "--server.port=" + port));
        Path log = logs.resolve("demo.log");
        Process demo = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String serving = "serving 5 tenants at http://localhost:" + port + "/api/v1/tenants/"; // tenant-006 is OFF
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (!Files.readString(log).contains(serving)) {
                assertThat(demo.isAlive()).as(Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("the demo serves within 4 minutes").isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(Files.readString(log)).contains("lookup listener on /127.0.0.1:" + port);

            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> lookup = get(client, port, "/api/v1/tenants/tenant-001/customers/cust-000001/recommendations?limit=5");
            assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
            assertThat(lookup.body()).contains("\"status\":\"OK\"", "\"rank\":5", "\"snapshotDate\":\"2026-11-07\"");
            HttpResponse<String> off = get(client, port, "/api/v1/tenants/tenant-006/customers/cust-000001/recommendations");
            assertThat(off.body()).as("tenant-006 is switched off by the demo").contains("\"status\":\"TENANT_OFF\"");
            HttpResponse<String> console = get(client, port, "/");
            assertThat(console.statusCode()).isEqualTo(200);
            assertThat(console.body()).containsIgnoringCase("<html");
            HttpResponse<String> runs = get(client, port, "/api/v1/admin/runs");
            assertThat(runs.statusCode()).as(runs.body()).isEqualTo(200);
            assertThat(runs.body()).contains("2026-11-07");
        } finally {
            demo.destroy();
            if (!demo.waitFor(30, TimeUnit.SECONDS)) {
                demo.destroyForcibly();
            }
        }
    }

    private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withApiKeysOffTheServerListensOnLoopbackOnlyUnlessAskedOtherwise() {
        assertThat(NightbakeCli.loopbackWhenOpen(java.util.List.of("--nightbake.security.enabled=false")))
                .contains("--server.address=127.0.0.1");
        assertThat(NightbakeCli.loopbackWhenOpen(java.util.List.of("--nightbake.security.enabled=false", "--server.address=0.0.0.0")))
                .doesNotContain("--server.address=127.0.0.1");
        assertThat(NightbakeCli.loopbackWhenOpen(java.util.List.of())).isEmpty();
    }

    @Test
    void mistakesGetTheUsageAndExitCode2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(new String[] {"run-nightly", "--date", "31/10/2026", "--nightbake.home=" + home}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--date must be YYYY-MM-DD", "usage:");
    }
}
