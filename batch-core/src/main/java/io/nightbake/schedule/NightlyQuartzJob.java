package io.nightbake.schedule;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.runs.RunRecovery;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.quartz.QuartzJobBean;

/**
 * What the Quartz trigger fires: the nightly job for the date the trigger was scheduled for (in the schedule's zone),
 * so that a late or catch-up fire still runs the night it belongs to. Quartz never runs two of these at once in the
 * cluster ({@link DisallowConcurrentExecution}), and the launcher starts nothing for a date already run or running,
 * so a double fire is harmless. The job requests recovery: when the node running it dies, another node of the
 * cluster fires it again, waits until the dead run's heartbeat is stale, marks it failed and restarts it.
 */
@DisallowConcurrentExecution
public class NightlyQuartzJob extends QuartzJobBean {

    private static final Logger log = LoggerFactory.getLogger(NightlyQuartzJob.class);

    private NightlyLauncher launcher;
    private RunRecovery recovery;
    private ZoneId zone;

    @Autowired
    public void setLauncher(NightlyLauncher launcher) {
        this.launcher = launcher;
    }

    @Autowired
    public void setRecovery(RunRecovery recovery) {
        this.recovery = recovery;
    }

    public void setZone(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    protected void executeInternal(JobExecutionContext context) {
        LocalDate runDate = scheduledFor(context).atZone(zone).toLocalDate();
        try {
            if (context.isRecovering()) {
                // the node that ran this night died: wait until its run counts as dead, then restart it here
                awaitDeadRunRecovered();
            }
            recovery.recoverDeadRuns();
            if (launcher.anyRunning() && launcher.latest(runDate).isEmpty()) {
                log.warn("nightly run {} not started: an earlier run is still going; it will not overlap", runDate);
                return;
            }
            launcher.run(runDate);
        } catch (Exception e) {
            log.error("nightly run {} could not be launched: {}", runDate, e.getMessage(), e);
        }
    }

    /** When the trigger was due; for a fire recovered from a dead node, when the original fire was due. */
    private static Instant scheduledFor(JobExecutionContext context) {
        String original = context.getMergedJobDataMap().getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_FIRETIME_IN_MILLISECONDS);
        return context.isRecovering() && original != null ? Instant.ofEpochMilli(Long.parseLong(original))
                : context.getScheduledFireTime().toInstant();
    }

    private void awaitDeadRunRecovered() throws InterruptedException {
        long deadline = System.nanoTime() + recovery.staleAfter().plusMinutes(1).toNanos();
        while (launcher.anyRunning() && System.nanoTime() < deadline) {
            recovery.recoverDeadRuns();
            Thread.sleep(5_000);
        }
    }
}
