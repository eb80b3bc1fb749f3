package io.nightbake.runs;

import io.nightbake.jdbc.Jdbc;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The exclusive nightly-run lock, held in the database so that it holds across processes and nodes: one row, taken
 * by the launcher before a night starts (whatever launches it: the CLI, a rerun, the admin API, the schedule) and
 * deleted when the night ends. Its owner refreshes it while the night runs; a holder whose process is gone (same
 * host, dead pid) or silent for {@code nightbake.recovery.stale-after} is dead, and crash recovery (or the next
 * launcher) releases its lock.
 */
@Component
public class RunLock {

    private static final Logger log = LoggerFactory.getLogger(RunLock.class);
    private static final String NAME = "nightly";

    private final Jdbc jdbc;
    private final Clock clock;
    private final Duration staleAfter;
    /** Run dates whose lock this process holds (normally at most one). */
    private final Set<LocalDate> held = ConcurrentHashMap.newKeySet();

    public RunLock(DataSource dataSource, Clock clock, @Value("${nightbake.recovery.stale-after:60s}") Duration staleAfter) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
        this.staleAfter = staleAfter;
    }

    /** Who holds the lock: the night it runs, its process (host:pid), since when, and when it was last heard from. */
    public record Holder(LocalDate runDate, String owner, Instant acquiredAt, Instant heartbeatAt) {
    }

    public Optional<Holder> holder() {
        return jdbc.queryOne("SELECT * FROM nb_run_lock WHERE lock_name = ?", RunLock::holder, NAME);
    }

    /**
     * Takes the lock for {@code runDate}; false when another night (or the same night, elsewhere) holds it. A lock
     * whose holder is dead is taken over.
     */
    public boolean tryAcquire(LocalDate runDate) {
        releaseIfDead();
        Instant now = clock.instant();
        try {
            jdbc.inTransaction(c -> Jdbc.update(c, "INSERT INTO nb_run_lock (lock_name, run_date, owner, acquired_at, heartbeat_at) "
                    + "VALUES (?, ?, ?, ?, ?)", NAME, Date.valueOf(runDate), RunHeartbeats.OWNER, now, now));
        } catch (RuntimeException e) {
            if (holder().isPresent()) {
                return false; // the primary key refused a second holder
            }
            throw e;
        }
        held.add(runDate);
        return true;
    }

    /** Releases the lock for {@code runDate} if this process holds it. */
    public void release(LocalDate runDate) {
        held.remove(runDate);
        jdbc.inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_run_lock WHERE lock_name = ? AND run_date = ? AND owner = ?",
                NAME, Date.valueOf(runDate), RunHeartbeats.OWNER));
    }

    /** Releases a lock whose holder is dead; returns why it was released, if it was. */
    public Optional<String> releaseIfDead() {
        Optional<Holder> holder = holder();
        if (holder.isEmpty()) {
            return Optional.empty();
        }
        Holder h = holder.get();
        Optional<String> dead = ProcessLiveness.deadBecause(h.owner(), h.heartbeatAt(), clock.instant(), staleAfter);
        if (dead.isEmpty()) {
            return Optional.empty();
        }
        int deleted = jdbc.inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_run_lock WHERE lock_name = ? AND owner = ? "
                + "AND heartbeat_at = ?", NAME, h.owner(), h.heartbeatAt()));
        if (deleted == 0) {
            return Optional.empty(); // it beat (or was released) in the meantime
        }
        log.warn("run lock of night {} released: {}", h.runDate(), dead.get());
        return dead;
    }

    @Scheduled(fixedDelayString = "${nightbake.recovery.heartbeat-millis:5000}")
    public void beat() {
        if (held.isEmpty()) {
            return;
        }
        jdbc.inTransaction(c -> Jdbc.update(c, "UPDATE nb_run_lock SET heartbeat_at = ? WHERE lock_name = ? AND owner = ?",
                clock.instant(), NAME, RunHeartbeats.OWNER));
    }

    private static Holder holder(ResultSet row) throws SQLException {
        return new Holder(row.getDate("run_date").toLocalDate(), row.getString("owner"), Jdbc.instant(row, "acquired_at"),
                Jdbc.instant(row, "heartbeat_at"));
    }

    /** Thrown when a night cannot start because another night holds the run lock. */
    public static class HeldException extends RuntimeException {
        private final Holder holder;

        public HeldException(LocalDate wanted, Holder holder) {
            super("nightly run " + wanted + " not started: night " + holder.runDate() + " is running (" + holder.owner()
                    + ", since " + holder.acquiredAt() + "); nights never overlap, try again when it has ended");
            this.holder = holder;
        }

        public Holder holder() {
            return holder;
        }
    }
}
