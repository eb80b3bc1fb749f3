package io.nightbake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo command, end to end through the command line (without serving, on a smaller fleet). */
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
