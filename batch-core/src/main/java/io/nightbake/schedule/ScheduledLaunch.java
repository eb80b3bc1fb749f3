package io.nightbake.schedule;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.runs.RunLock;
import io.nightbake.runs.RunRecovery;
import io.nightbake.runs.SkippedNights;
import java.time.Duration;
import java.time.LocalDate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A scheduled night's launch. When another night holds the run lock at fire time, it retries every
 * {@code nightbake.schedule.lock-retry} until the lock is free, for at most {@code nightbake.schedule.lock-wait};
 * a night that still cannot start is recorded as skipped (health, {@code nightbake_nights_skipped_total}) and logged
 * as an error naming the command that runs it, instead of being lost.
 */
@Component
public class ScheduledLaunch {

    private static final Logger log = LoggerFactory.getLogger(ScheduledLaunch.class);

    private final NightlyLauncher launcher;
    private final RunRecovery recovery;
    private final SkippedNights skipped;
    private final Duration lockWait;
    private final Duration lockRetry;

    public ScheduledLaunch(NightlyLauncher launcher, RunRecovery recovery, SkippedNights skipped,
                           @Value("${nightbake.schedule.lock-wait:2h}") Duration lockWait,
                           @Value("${nightbake.schedule.lock-retry:30s}") Duration lockRetry) {
        this.launcher = launcher;
        this.recovery = recovery;
        this.skipped = skipped;
        this.lockWait = lockWait;
        this.lockRetry = lockRetry;
    }

    /** Runs {@code runDate}'s night, waiting for a running night to end first; false when the night was skipped. */
    public boolean launch(LocalDate runDate) throws Exception {
        long deadline = System.nanoTime() + lockWait.toNanos();
        boolean told = false;
        while (true) {
            recovery.recoverDeadRuns();
            try {
                launcher.run(runDate);
                return true;
            } catch (RunLock.HeldException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    skipped.record(runDate, e.getMessage());
                    log.error("scheduled night {} skipped: night {} held the run lock for the whole wait of {} "
                                    + "(nightbake.schedule.lock-wait); run it with `run-nightly --date {}`", runDate,
                            e.holder().runDate(), lockWait, runDate);
                    return false;
                }
                if (!told) {
                    log.warn("scheduled night {} waits: night {} is still running ({}); retrying every {} for up to {}",
                            runDate, e.holder().runDate(), e.holder().owner(), lockRetry, lockWait);
                    told = true;
                }
                Thread.sleep(Math.max(1, Math.min(lockRetry.toMillis(), left / 1_000_000)));
            }
        }
    }
}
