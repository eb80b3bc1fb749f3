package io.nightbake.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.retrain.data.DataContract;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The operator dashboard in a real browser (Debian's headless Chromium, installed by `.ci/run`): after a night where
 * one tenant's data is broken, the page lists the run and shows that tenant failed, with its error.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(3).withSeed(5).withLargestTenant(150, 60)
                .withSmallestCustomers(60), home.resolve("tenants"));
        Files.write(home.resolve("tenants/tenant-002").resolve(DataContract.INTERACTIONS), new byte[] {1, 2, 3});
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.security.enabled", () -> "false");
    }

    @Autowired
    NightlyLauncher launcher;
    @LocalServerPort
    int port;

    @Test
    void dashboardShowsTheRunAndTheFailedTenantWithItsError() throws Exception {
        boolean ci = System.getenv("CI") != null;
        Assumptions.assumeTrue(ci || Files.isExecutable(CHROMIUM), "Chromium is not installed (.ci/run installs it)");
        launcher.run(LocalDate.of(2026, 10, 31));

        Process chromium = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + home.resolve("chromium-profile"), "--virtual-time-budget=10000",
                "--dump-dom", "http://127.0.0.1:" + port + "/")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(chromium.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(dom).contains("Nightly runs", "2026-10-31", "FAILED");
        assertThat(dom).contains("data-tenant=\"tenant-001\"", "data-tenant=\"tenant-003\"");
        String failedRow = dom.substring(dom.indexOf("data-tenant=\"tenant-002\""));
        failedRow = failedRow.substring(0, failedRow.indexOf("</tr>"));
        assertThat(failedRow).contains("FAILED", "tenant 'tenant-002'", "interactions.parquet");
    }
}
