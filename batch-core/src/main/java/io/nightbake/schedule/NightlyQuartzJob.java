package io.nightbake.schedule;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.runs.RunRecovery;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.quartz.CronExpression;
import org.quartz.CronTrigger;
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
 * so a double fire is harmless; a fire that finds another night running waits for it ({@link ScheduledLaunch}). The job requests recovery: when the node running it dies, another node of the
 * cluster fires it again, waits until the dead run's heartbeat is stale, marks it failed and restarts it.
 */
@DisallowConcurrentExecution
public class NightlyQuartzJob extends QuartzJobBean {

    private static final Logger log = LoggerFactory.getLogger(NightlyQuartzJob.class);

    private NightlyLauncher launcher;
    private RunRecovery recovery;
    private ScheduledLaunch scheduledLaunch;
    private ZoneId zone;

    @Autowired
    public void setScheduledLaunch(ScheduledLaunch scheduledLaunch) {
        this.scheduledLaunch = scheduledLaunch;
    }

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
        // the trigger's own zone is the schedule's; the job's stored zone is the fallback
        ZoneId scheduleZone = context.getTrigger() instanceof CronTrigger cron ? cron.getTimeZone().toZoneId() : zone;
        LocalDate runDate = scheduledFor(context).atZone(scheduleZone).toLocalDate();
        try {
            if (context.isRecovering()) {
                // the node that ran this night died: wait until its run counts as dead, then restart it here
                awaitDeadRunRecovered();
            }
            // another date's night running now: wait for it (within the configured window), never overlap it
            scheduledLaunch.launch(runDate);
        } catch (Exception e) {
            log.error("nightly run {} could not be launched: {}", runDate, e.getMessage(), e);
        }
    }

    /**
     * When the trigger was due; for a fire recovered from a dead node, when the original fire was due. A misfire
     * fired late ("fire once now") reports now as its scheduled time, so the fire time is taken back to the latest
     * time the cron schedule had at or before it: the night that was missed, not the time it happened to run.
     */
    static Instant scheduledFor(JobExecutionContext context) {
        String original = context.getMergedJobDataMap().getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_FIRETIME_IN_MILLISECONDS);
        Instant fired = context.isRecovering() && original != null ? Instant.ofEpochMilli(Long.parseLong(original))
                : context.getScheduledFireTime().toInstant();
        return context.getTrigger() instanceof CronTrigger cron ? latestCronTime(cron, fired) : fired;
    }

    /** The latest time of {@code cron}'s schedule at or before {@code at} (within two days), else {@code at}. */
    static Instant latestCronTime(CronTrigger cron, Instant at) {
        try {
            CronExpression expression = new CronExpression(cron.getCronExpression());
            expression.setTimeZone(cron.getTimeZone());
            java.util.Date latest = null;
            java.util.Date next = expression.getTimeAfter(java.util.Date.from(at.minus(java.time.Duration.ofDays(2))));
            while (next != null && !next.toInstant().isAfter(at)) {
                latest = next;
                next = expression.getTimeAfter(next);
            }
            return latest == null ? at : latest.toInstant();
        } catch (java.text.ParseException e) {
            return at;
        }
    }

    private void awaitDeadRunRecovered() throws InterruptedException {
        long deadline = System.nanoTime() + recovery.staleAfter().plusMinutes(1).toNanos();
        while (launcher.anyRunning() && System.nanoTime() < deadline) {
            recovery.recoverDeadRuns();
            Thread.sleep(5_000);
        }
    }
}
