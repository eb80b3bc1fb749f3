package io.nightbake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control commands that run without the application: the simulation, and bad settings named at start-up. */
class ControlCommandsTest {

    @Test
    void simulateControlPrintsTheRegretTableAndTheSummary() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(new String[] {"simulate-control", "--nights", "12", "--customers", "2000",
                "--repetitions", "20"}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(text).contains("| night | bandit: better arm's share |", "| 12 |", "false-promotion rate")
                .doesNotContain("| 13 |");
    }

    @Test
    void invalidControlSettingsFailWithTheKeyNamed(@TempDir Path dir) throws Exception {
        Path template = dir.resolve("bad.yaml");
        Files.writeString(template, "control:\n  bandit:\n    discount: 0.2\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(new String[] {"simulate-control", "--nightbake.template=" + template},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error", "'control.bandit.discount'",
                "0.5..1.0");

        ByteArrayOutputStream usage = new ByteArrayOutputStream();
        assertThat(NightbakeCli.run(new String[] {"set-control", "--tenant", "acme", "--mode", "greedy", "--reason", "x"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(usage, true, StandardCharsets.UTF_8))).isNotZero();
        assertThat(usage.toString(StandardCharsets.UTF_8)).contains("'--mode'", "manual, ab, bandit");
    }
}
