package io.nightbake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import io.nightbake.runs.RunHeartbeats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** While another night holds the run lock, run-nightly names it and exits 75 (try again later), not 1 (tenants failed). */
class RunLockExitCodeTest {

    @TempDir
    Path home;

    @Test
    void aNightRefusedByTheRunLockExitsWithTheTryAgainCode() throws Exception {
        assertThat(cli("recover").code).as("migrates the new home's database").isZero();
        // a live holder (this JVM's own owner id, so it is not taken for dead) runs the night of the 30th
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + home + "/db/nightbake;AUTO_SERVER=TRUE", "sa", "");
             PreparedStatement insert = c.prepareStatement("INSERT INTO nb_run_lock (lock_name, run_date, owner, acquired_at, "
                     + "heartbeat_at) VALUES ('nightly', ?, ?, ?, ?)")) {
            insert.setObject(1, LocalDate.of(2026, 10, 30));
            insert.setString(2, RunHeartbeats.OWNER);
            insert.setTimestamp(3, Timestamp.from(Instant.now()));
            insert.setTimestamp(4, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
        Result refused = cli("run-nightly", "--date", "2026-10-31");
        assertThat(refused.code).isEqualTo(NightbakeCli.EXIT_ANOTHER_NIGHT_RUNNING).isEqualTo(75);
        assertThat(refused.err).contains("nightly run 2026-10-31 not started: night 2026-10-30 is running");
    }

    private record Result(int code, String err) {
    }

    private Result cli(String... args) {
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
                "--nightbake.home=" + home)).toArray(String[]::new);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(all, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, err.toString(StandardCharsets.UTF_8));
    }
}
