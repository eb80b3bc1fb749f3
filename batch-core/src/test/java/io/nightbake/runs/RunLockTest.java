package io.nightbake.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.schedule.ScheduledLaunch;
import java.nio.file.Path;
import java.sql.Date;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The database-held run lock: a night for another date never starts while a night holds the lock, whoever launches
 * it; a dead holder's lock is released by crash recovery; a scheduled fire that finds the lock held waits for it, and
 * a night it still cannot run is recorded as skipped (health and metric). No tenants: the lock is the subject.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RunLockTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
    }

    private static final LocalDate RUNNING = LocalDate.of(2026, 10, 30);
    private static final LocalDate OTHER = LocalDate.of(2026, 10, 31);

    @Autowired
    RunLock lock;
    @Autowired
    NightlyLauncher launcher;
    @Autowired
    RunRecovery recovery;
    @Autowired
    JobRepository jobRepository;
    @Autowired
    SkippedNights skipped;
    @Autowired
    NightlyRunHealth health;
    @Autowired
    MeterRegistry meters;
    @Autowired
    DataSource dataSource;
    @Autowired
    RunHeartbeats heartbeats;

    @AfterEach
    void free() {
        lock.release(RUNNING);
        new Jdbc(dataSource).inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_run_lock"));
    }

    @Test
    void anotherDatesNightDoesNotStartWhileTheLockIsHeld() throws Exception {
        assertThat(lock.tryAcquire(RUNNING)).isTrue(); // a night of the 30th is running
        assertThatThrownBy(() -> launcher.run(OTHER)).isInstanceOf(RunLock.HeldException.class)
                .hasMessageContaining("2026-10-31").hasMessageContaining("night 2026-10-30 is running");
        assertThat(launcher.latest(OTHER)).isEmpty();

        lock.release(RUNNING);
        assertThat(launcher.run(OTHER).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(lock.holder()).as("released when the night ends").isEmpty();

        // a launch of the completed night (a re-fire of its trigger) neither waits for nor takes the lock
        assertThat(lock.tryAcquire(RUNNING)).isTrue();
        assertThat(launcher.run(OTHER).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(lock.holder().orElseThrow().runDate()).isEqualTo(RUNNING);
    }

    @Test
    void crashRecoveryReleasesTheLockOfADeadProcess() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String owner = RunHeartbeats.OWNER.substring(0, RunHeartbeats.OWNER.lastIndexOf(':')) + ":" + gone.pid();
        new Jdbc(dataSource).inTransaction(c -> Jdbc.update(c, "INSERT INTO nb_run_lock (lock_name, run_date, owner, "
                + "acquired_at, heartbeat_at) VALUES ('nightly', ?, ?, ?, ?)", Date.valueOf(RUNNING), owner, Instant.now(),
                Instant.now()));
        assertThat(lock.holder()).map(RunLock.Holder::owner).contains(owner);
        recovery.recoverDeadRuns();
        assertThat(lock.holder()).isEmpty();

        // a live holder on another node is left alone while it beats
        new Jdbc(dataSource).inTransaction(c -> Jdbc.update(c, "INSERT INTO nb_run_lock (lock_name, run_date, owner, "
                + "acquired_at, heartbeat_at) VALUES ('nightly', ?, 'other-node:1', ?, ?)", Date.valueOf(RUNNING),
                Instant.now(), Instant.now()));
        recovery.recoverDeadRuns();
        assertThat(lock.holder()).map(RunLock.Holder::owner).contains("other-node:1");
    }

    @Test
    void aScheduledFireWaitsForTheRunningNightAndRecordsANightItCouldNotRun() throws Exception {
        LocalDate night = LocalDate.of(2026, 11, 5);
        assertThat(lock.tryAcquire(RUNNING)).isTrue();
        ScheduledLaunch noWait = new ScheduledLaunch(launcher, recovery, skipped, Duration.ZERO, Duration.ofMillis(10));
        double before = meters.counter("nightbake.nights.skipped").count();
        assertThat(noWait.launch(night)).isFalse();
        assertThat(skipped.list()).extracting(SkippedNights.SkippedNight::runDate).containsExactly(night);
        assertThat(meters.counter("nightbake.nights.skipped").count()).isEqualTo(before + 1);
        Health report = health.health();
        assertThat(report.getDetails().get("skippedNights").toString()).contains("2026-11-05");

        // with a window, the fire waits until the running night ends, then runs its own date
        ScheduledLaunch waiting = new ScheduledLaunch(launcher, recovery, skipped, Duration.ofMinutes(1), Duration.ofMillis(50));
        CompletableFuture<Boolean> fire = CompletableFuture.supplyAsync(() -> {
            try {
                return waiting.launch(night);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(fire).isNotDone();
        lock.release(RUNNING);
        assertThat(fire.get()).isTrue();
        assertThat(launcher.latest(night)).map(e -> e.getStatus()).contains(BatchStatus.COMPLETED);
        assertThat(skipped.list()).as("a skipped night that ran is no longer listed").isEmpty();
        assertThat(((java.util.List<?>) health.health().getDetails().get("skippedNights"))).isEmpty();
    }
}
