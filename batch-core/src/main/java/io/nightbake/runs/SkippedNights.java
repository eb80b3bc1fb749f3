package io.nightbake.runs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nightbake.jdbc.Jdbc;
import java.sql.Date;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/**
 * Scheduled nights that never ran because another night held the run lock for the whole wait window. Recorded in the
 * database (every node's health shows them) and counted by {@code nightbake_nights_skipped_total}; a night stays
 * listed until its date runs (e.g. {@code run-nightly --date}).
 */
@Component
public class SkippedNights {

    private final Jdbc jdbc;
    private final Clock clock;
    private final Counter skipped;

    public SkippedNights(DataSource dataSource, Clock clock, MeterRegistry registry) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
        this.skipped = Counter.builder("nightbake.nights.skipped")
                .description("scheduled nights not run because another night held the run lock too long").register(registry);
    }

    public record SkippedNight(LocalDate runDate, String reason, Instant skippedAt) {
    }

    public void record(LocalDate runDate, String reason) {
        String text = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
        jdbc.inTransaction(c -> {
            Jdbc.update(c, "DELETE FROM nb_skipped_night WHERE run_date = ?", Date.valueOf(runDate));
            return Jdbc.update(c, "INSERT INTO nb_skipped_night (run_date, reason, skipped_at) VALUES (?, ?, ?)",
                    Date.valueOf(runDate), text, clock.instant());
        });
        skipped.increment();
    }

    /** A skipped night that has run since is no longer skipped. */
    public void ran(LocalDate runDate) {
        jdbc.inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_skipped_night WHERE run_date = ?", Date.valueOf(runDate)));
    }

    /** The nights skipped and not run since, newest first. */
    public List<SkippedNight> list() {
        return jdbc.query("SELECT * FROM nb_skipped_night ORDER BY run_date DESC", row -> new SkippedNight(
                row.getDate("run_date").toLocalDate(), row.getString("reason"), Jdbc.instant(row, "skipped_at")));
    }
}
