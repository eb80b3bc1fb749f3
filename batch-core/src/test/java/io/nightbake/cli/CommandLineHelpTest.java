package io.nightbake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without Spring: per-command help, -h, --version, home checks, check-data. */
class CommandLineHelpTest {

    @TempDir
    Path home;

    private record Cli(int code, String out, String err) {
    }

    private static Cli run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void eachCommandHasItsOwnHelpAndVersionWorks() {
        Cli rerun = run("rerun", "--help");
        assertThat(rerun.code()).isZero();
        assertThat(rerun.out()).contains("usage: java -jar batch-core/target/nightbake.jar rerun", "--run ID")
                .doesNotContain("generate", "api-key create");
        assertThat(run("runs", "-h").out()).contains("runs", "[--run ID] [--limit N]").doesNotContain("rerun the failed");
        assertThat(run("help", "pin-model").out()).contains("pin-model", "--version N");
        assertThat(run("api-key", "--help").out()).contains("api-key create --tenant T", "api-key revoke", "api-key list");
        Cli version = run("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("nightbake ");
        assertThat(run("-h").out()).contains("commands:", "operator controls");
    }

    @Test
    void commandsOtherThanDemoGenerateAndServeRefuseAHomeThatDoesNotExist() {
        Path typo = home.resolve("nightbak-data");
        for (String[] command : new String[][] {{"tenants"}, {"runs"}, {"api-key", "list"}, {"run-nightly", "--date", "2026-10-31"}}) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 1);
            args[command.length] = "--nightbake.home=" + typo;
            Cli refused = run(args);
            assertThat(refused.code()).as(String.join(" ", command)).isEqualTo(2);
            assertThat(refused.err()).contains("no Nightbake home at " + typo.toAbsolutePath());
        }
        assertThat(Files.exists(typo)).isFalse();
    }

    @Test
    void checkDataValidatesATenantNowWithTheNightsMessages() throws Exception {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(1).withSeed(2).withLargestTenant(80, 30)
                .withSmallestCustomers(60), home.resolve("tenants"));
        Cli ok = run("check-data", "--tenant", "tenant-001", "--nightbake.home=" + home);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("tenant 'tenant-001': data is valid", "interactions");
        Cli early = run("check-data", "--tenant", "tenant-001", "--date", "2000-01-01", "--nightbake.home=" + home);
        assertThat(early.code()).isEqualTo(1);
        assertThat(early.out()).contains("nothing to train on for run date 2000-01-01: all", "interactions are after it");

        Files.delete(home.resolve("tenants/tenant-001/products.parquet"));
        Cli broken = run("check-data", "--tenant", "tenant-001", "--nightbake.home=" + home);
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.out()).contains("tenant 'tenant-001'", "products.parquet").doesNotContain("Exception");
    }
}
